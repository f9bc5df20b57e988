package sandbox

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// maxPageSize is Zendesk's largest page for both pagination styles; larger
// requests are served at this size.
const maxPageSize = 100

// maxOffsetRecords is how deep offset pagination reaches: since 2023-08-15
// a page beyond the first 10,000 records answers 400 (the reference
// sheet's §7). Cursor pagination has no such limit.
const maxOffsetRecords = 10_000

// Cursor-based pagination query parameters.
const (
	paramPageSize   = "page[size]"
	paramPageAfter  = "page[after]"
	paramPageBefore = "page[before]"
)

// offsetPage is the envelope of offset-based pagination (OBP).
type offsetPage struct {
	NextPage     *string `json:"next_page"`
	PreviousPage *string `json:"previous_page"`
	Count        int     `json:"count"`
}

// paginateOffset returns the page of items selected by ?page= and
// ?per_page=, with the envelope. Its links point at the server the request
// reached, so that clients can follow them.
func paginateOffset[T any](r *http.Request, items []T) ([]T, offsetPage, error) {
	q := r.URL.Query()
	page, err := pageParam(q.Get("page"), "page", 1)
	if err != nil {
		return nil, offsetPage{}, err
	}
	perPage, err := pageParam(q.Get("per_page"), "per_page", maxPageSize)
	if err != nil {
		return nil, offsetPage{}, err
	}
	perPage = min(perPage, maxPageSize)
	if (page-1)*perPage >= maxOffsetRecords {
		return nil, offsetPage{}, errBadRequest("offset pagination reaches only the first %d records: use cursor pagination (page[size]) to go further", maxOffsetRecords)
	}
	start := min((page-1)*perPage, len(items))
	end := min(start+perPage, len(items))
	env := offsetPage{Count: len(items)}
	if end < len(items) {
		env.NextPage = pageLink(r, "page", strconv.Itoa(page+1))
	}
	if page > 1 {
		env.PreviousPage = pageLink(r, "page", strconv.Itoa(page-1))
	}
	return items[start:end], env, nil
}

// cursorMeta and cursorLinks are the envelope of cursor-based pagination (CBP).
type cursorMeta struct {
	HasMore      bool    `json:"has_more"`
	AfterCursor  *string `json:"after_cursor"`
	BeforeCursor *string `json:"before_cursor"`
}

type cursorLinks struct {
	Prev *string `json:"prev"`
	Next *string `json:"next"`
}

// A list's order is the ascending order of its items' sort keys: each
// item's key is the tuple of values the list is sorted by (see orderKey),
// and a cursor is the key of the item it points after or before. So a
// cursor stays good when its item is deleted, as Zendesk's do: the next
// page starts after where that item stood.

// orderKey joins the values an item sorts by into one string that sorts
// as the tuple does: integers in a fixed width that keeps their order,
// strings (and timestamps, formatted) as they are, each value ended by a
// NUL so that a shorter string sorts first.
func orderKey(values ...any) string {
	var b strings.Builder
	for _, v := range values {
		switch v := v.(type) {
		case int64:
			fmt.Fprintf(&b, "%020d", uint64(v)^(1<<63))
		case int:
			fmt.Fprintf(&b, "%020d", uint64(int64(v))^(1<<63))
		case string:
			b.WriteString(v)
		default:
			panic(fmt.Sprintf("orderKey: %T is not an int or a string", v))
		}
		b.WriteByte(0)
	}
	return b.String()
}

// descending returns the keys of key in the opposite order, for lists
// sorted from the last item to the first: every byte is inverted, and the
// key ends with 0xFF, a byte that UTF-8 text never holds.
func descending[T any](key func(T) string) func(T) string {
	return func(v T) string {
		k := []byte(key(v))
		for i := range k {
			k[i] = 0xFF - k[i]
		}
		return string(append(k, 0xFF))
	}
}

// sortByKey sorts views in the ascending order of key.
func sortByKey[T any](views []T, key func(T) string) {
	slices.SortStableFunc(views, func(a, b T) int { return strings.Compare(key(a), key(b)) })
}

// writeList answers a list request with the page of views it asks for,
// under name: cursor pagination with page[size], else offset pagination.
// It sorts views in the ascending order of key first.
func writeList[T any](w http.ResponseWriter, r *http.Request, name string, views []T, key func(T) string) error {
	sortByKey(views, key)
	if wantsCursor(r) {
		page, meta, links, err := paginateCursor(r, views, key)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, map[string]any{name: page, "meta": meta, "links": links})
		return nil
	}
	page, env, err := paginateOffset(r, views)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{name: page, "next_page": env.NextPage, "previous_page": env.PreviousPage, "count": env.Count})
	return nil
}

// wantsCursor reports whether the request asks for cursor pagination;
// endpoints that support both fall back to offsets without page[size].
func wantsCursor(r *http.Request) bool {
	q := r.URL.Query()
	return q.Has(paramPageSize) || q.Has(paramPageAfter) || q.Has(paramPageBefore)
}

// paginateCursor returns the page of items selected by page[size] and
// page[after] or page[before]; items must be in the ascending order of key
// (see sortByKey).
func paginateCursor[T any](r *http.Request, items []T, key func(T) string) ([]T, cursorMeta, cursorLinks, error) {
	q := r.URL.Query()
	size, err := pageParam(q.Get(paramPageSize), paramPageSize, maxPageSize)
	if err != nil {
		return nil, cursorMeta{}, cursorLinks{}, err
	}
	size = min(size, maxPageSize)
	var meta cursorMeta
	var start, end int
	switch {
	case q.Get(paramPageAfter) != "":
		k, err := decodeCursor(q.Get(paramPageAfter))
		if err != nil {
			return nil, cursorMeta{}, cursorLinks{}, err
		}
		start = sort.Search(len(items), func(i int) bool { return key(items[i]) > k })
		end = min(start+size, len(items))
		meta.HasMore = end < len(items)
	case q.Get(paramPageBefore) != "":
		k, err := decodeCursor(q.Get(paramPageBefore))
		if err != nil {
			return nil, cursorMeta{}, cursorLinks{}, err
		}
		end = sort.Search(len(items), func(i int) bool { return key(items[i]) >= k })
		start = max(end-size, 0)
		meta.HasMore = start > 0
	default:
		end = min(size, len(items))
		meta.HasMore = end < len(items)
	}
	page := items[start:end]
	var links cursorLinks
	if len(page) > 0 {
		after := encodeCursor(key(page[len(page)-1]))
		before := encodeCursor(key(page[0]))
		meta.AfterCursor, meta.BeforeCursor = &after, &before
		links.Next = pageLink(r, paramPageAfter, after)
		links.Prev = pageLink(r, paramPageBefore, before)
	}
	return page, meta, links, nil
}

func encodeCursor(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(key))
}

// decodeCursor returns the sort key a cursor holds.
func decodeCursor(cursor string) (string, error) {
	k, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(k) == 0 {
		return "", errBadRequest("invalid cursor %q", cursor)
	}
	return string(k), nil
}

// pageParam parses a positive page number or size; absent or 0 means def.
func pageParam(v, name string, def int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, errBadRequest("%s must be a positive number", name)
	}
	if n == 0 {
		return def, nil
	}
	return n, nil
}

// pageLink is the request's own URL with one pagination parameter set;
// setting a cursor drops the opposite one.
func pageLink(r *http.Request, name, value string) *string {
	u := *r.URL
	u.Scheme, u.Host = "http", r.Host
	if r.TLS != nil {
		u.Scheme = "https"
	}
	q := u.Query()
	q.Del(paramPageAfter)
	q.Del(paramPageBefore)
	q.Set(name, value)
	u.RawQuery = q.Encode()
	s := u.String()
	return &s
}
