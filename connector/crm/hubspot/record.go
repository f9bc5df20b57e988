package hubspot

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/cohortdesk/cohort"
)

// record builds the record of a contact and its primary company (nil for
// none): the contact's properties the mapping reads, its id, and the
// company's as company.<property> and company.id. Empty values are left
// out.
func (s *Source) record(contact, company *object) cohort.SourceRecord {
	f := map[string]string{fieldID: string(contact.ID)}
	for _, p := range s.contactProps {
		if v := contact.Properties[p]; v != "" {
			f[p] = string(v)
		}
	}
	if company != nil {
		f[companyPrefix+fieldID] = string(company.ID)
		for _, p := range s.companyProps {
			if v := company.Properties[p]; v != "" {
				f[companyPrefix+p] = string(v)
			}
		}
	}
	return cohort.SourceRecord{Ref: "contact " + string(contact.ID), Fields: f}
}

// records builds the records of list, whose primary companies primary
// maps by contact id, reading those companies' properties in batches.
func (s *Source) records(ctx context.Context, list []object, primary map[string]string) ([]cohort.SourceRecord, error) {
	unique := map[string]bool{}
	for _, id := range primary {
		unique[id] = true
	}
	found, err := s.companies(ctx, slices.Sorted(maps.Keys(unique)))
	if err != nil {
		return nil, err
	}
	out := make([]cohort.SourceRecord, 0, len(list))
	for i := range list {
		out = append(out, s.record(&list[i], found[primary[string(list[i].ID)]]))
	}
	return out, nil
}

// companies reads companies by id with the properties the mapping reads;
// companies HubSpot does not find (archived since) are left out. When the
// mapping reads no company property, it asks nothing and knows only ids.
func (s *Source) companies(ctx context.Context, ids []string) (map[string]*object, error) {
	if len(s.companyProps) == 0 {
		out := map[string]*object{}
		for _, id := range ids {
			out[id] = &object{ID: text(id)}
		}
		return out, nil
	}
	found, err := s.batchRead(ctx, companies, ids, s.companyProps)
	if err != nil {
		return nil, fmt.Errorf("read companies: %w", err)
	}
	return found, nil
}
