package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cohortdesk/cohort/internal/proc"
)

// The import benchmark: `cohort import customers FILE` of a generated CSV
// of N customers into a fresh database, against the sqlite3 command-line
// tool's .import of the same file into a plain table (the ceiling), in the
// same rounds. It reports wall seconds and peak resident memory of each
// process, and the import's own split between loading and re-segmenting.

// ceilingScript is what the sqlite3 CLI runs: the anchor's settings and a
// table with the file's columns and no index.
const ceilingScript = `PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
CREATE TABLE customers (email TEXT, external_id TEXT, name TEXT, organization TEXT, plan TEXT,
  arr REAL, ltv REAL, signup_date TEXT, products TEXT, tech_level TEXT, region TEXT);
.import --csv --skip 1 %s customers
`

func runImportBench(ctx context.Context, rounds *int, fs *flag.FlagSet) error {
	sizes := fs.String("rows", "100000,1000000", "comma-separated customer counts")
	_ = fs.Parse(os.Args[2:])
	if _, err := exec.LookPath("sqlite3"); err != nil {
		return fmt.Errorf("the ceiling needs the sqlite3 command-line tool (Debian: apt-get install sqlite3): %w", err)
	}
	bin, err := proc.Binary()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "cohort-bench-import-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var ns []int
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("-rows %q: %w", s, err)
		}
		ns = append(ns, n)
	}
	type key struct {
		variant string
		n       int
	}
	results := map[key][]importResult{}
	variants := append([]string{"sqlite3 .import (ceiling)"}, prefixed("cohort import, ", engines())...)
	for _, n := range ns {
		file := filepath.Join(dir, fmt.Sprintf("customers-%d.csv", n))
		if err := writeCustomersCSV(file, n); err != nil {
			return err
		}
		for round := range *rounds {
			for i := range variants {
				v := variants[(i+round)%len(variants)] // rotate the order each round
				r, err := importRun(ctx, bin, v, file, dir, round)
				if err != nil {
					return fmt.Errorf("%s, %d rows, round %d: %w", v, n, round+1, err)
				}
				fmt.Fprintf(os.Stderr, "%d rows round %d %-32s %6.2fs  peak RSS %6.1f MB  load %.2fs  segments %.2fs\n",
					n, round+1, v, r.wall.Seconds(), r.rssMB, r.load.Seconds(), r.segments.Seconds())
				results[key{v, n}] = append(results[key{v, n}], r)
			}
		}
	}
	fmt.Printf("| rows | variant | wall s (median, min–max) | ratio vs ceiling | of which loading s | re-segmenting s | peak RSS MB |\n|---|---|---|---|---|---|---|\n")
	for _, n := range ns {
		ceiling := median(walls(results[key{variants[0], n}]))
		for _, v := range variants {
			rs := results[key{v, n}]
			w := walls(rs)
			var load, seg, rss []float64
			for _, r := range rs {
				load = append(load, r.load.Seconds())
				seg = append(seg, r.segments.Seconds())
				rss = append(rss, r.rssMB)
			}
			fmt.Printf("| %d | %s | %.2f (%.2f–%.2f) | %.2f | %s | %s | %.1f |\n", n, v, median(w), minOf(w), maxOf(w),
				median(w)/ceiling, orDash(median(load)), orDash(median(seg)), median(rss))
		}
	}
	return nil
}

type importResult struct {
	wall, load, segments time.Duration
	rssMB                float64
}

var (
	loadLine    = regexp.MustCompile(`read \d+, inserted \d+.*\(([0-9.]+)s\)`)
	segmentLine = regexp.MustCompile(`segments: computed \d+ customers.*\(([0-9.]+)s\)`)
)

// importRun runs one variant on a fresh database and measures it.
func importRun(ctx context.Context, bin, variant, file, dir string, round int) (importResult, error) {
	var cmd *exec.Cmd
	switch {
	case strings.HasPrefix(variant, "sqlite3"):
		db := filepath.Join(dir, fmt.Sprintf("ceiling-%d-%d.db", round, time.Now().UnixNano()))
		defer removeDB(db)
		cmd = exec.CommandContext(ctx, "sqlite3", db)
		cmd.Stdin = strings.NewReader(fmt.Sprintf(ceilingScript, file))
	default:
		engine := strings.TrimPrefix(variant, "cohort import, ")
		url, cleanup, err := engineURL(ctx, engine, dir, round)
		if err != nil {
			return importResult{}, err
		}
		defer cleanup()
		if engine == "sqlite" {
			defer removeDB(strings.TrimPrefix(url, "sqlite:"))
		}
		cmd = exec.CommandContext(ctx, bin, "import", "customers", file)
		cmd.Env = append(os.Environ(), "COHORT_DATABASE_URL="+url, "COHORT_LOG_LEVEL=warn")
	}
	start := time.Now()
	out, err := cmd.CombinedOutput()
	wall := time.Since(start)
	if err != nil {
		return importResult{}, fmt.Errorf("%v\n%s", err, out)
	}
	r := importResult{wall: wall, rssMB: float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024}
	if m := loadLine.FindSubmatch(out); m != nil {
		s, _ := strconv.ParseFloat(string(m[1]), 64)
		r.load = time.Duration(s * float64(time.Second))
	}
	if m := segmentLine.FindSubmatch(out); m != nil {
		s, _ := strconv.ParseFloat(string(m[1]), 64)
		r.segments = time.Duration(s * float64(time.Second))
	}
	return r, nil
}

func removeDB(path string) {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}
}

// writeCustomersCSV writes n customers in the CSV contract, the same for
// the same n: a mix of plans, products and tech levels like the sample's,
// with a custom region column.
func writeCustomersCSV(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(uint64(n), 42))
	plans := []string{"free", "starter", "pro", "business", "enterprise"}
	products := []string{"dashboard", "payments-api", "mobile-sdk", "checkout", "reports"}
	levels := []string{"", "beginner", "basic", "intermediate", "advanced", "developer"}
	regions := []string{"eu-west", "eu-central", "us-east", "us-west", "apac"}
	day0 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	fmt.Fprintln(w, "email,external_id,name,organization,plan,arr,ltv,signup_date,products,tech_level,region")
	for i := range n {
		plan := plans[rng.IntN(len(plans))]
		arr := rng.IntN(200000)
		var ps []string
		for _, p := range products {
			if rng.IntN(3) == 0 {
				ps = append(ps, p)
			}
		}
		fmt.Fprintf(w, "user%d@company%d.example,crm-%d,Customer %d,Company %d,%s,%d,%d,%s,%s,%s,%s\n",
			i, i/20, i, i, i/20, plan, arr, arr*rng.IntN(6), day0.AddDate(0, 0, rng.IntN(2500)).Format(time.DateOnly),
			strings.Join(ps, ";"), levels[rng.IntN(len(levels))], regions[rng.IntN(len(regions))])
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func walls(rs []importResult) []float64 {
	out := make([]float64, len(rs))
	for i, r := range rs {
		out[i] = r.wall.Seconds()
	}
	return out
}

func orDash(x float64) string {
	if x == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", x)
}

func prefixed(prefix string, xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = prefix + x
	}
	return out
}
