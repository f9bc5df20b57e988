package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	zd "github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
)

func TestMacrosCheck(t *testing.T) {
	t.Setenv("COHORT_SEGMENTS_FILE", "../../manifests/segments.yaml")
	code, out, errOut := runCLI(t, "macros", "check", "../../manifests/macros")
	if code != exitOK || !strings.Contains(out, "ok: 6 macros") || !strings.Contains(out, "enterprise_escalation_path  automatic") {
		t.Errorf("sample macros: exit %d\n%s%s", code, out, errOut)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("key: vip\ntitle: VIP\nsegments: [gold]\nactions:\n  priority: hgh\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCLI(t, "macros", "check", dir)
	if code != exitFailure || !strings.Contains(out, bad+`:5: macro "vip": priority: "hgh" is not one of low, normal, high, urgent`) {
		t.Errorf("bad file: exit %d\n%s", code, out)
	}
	if err := os.WriteFile(bad, []byte("key: vip\ntitle: VIP\nsegments: [gold]\nactions:\n  priority: high\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCLI(t, "macros", "check", dir)
	if code != exitFailure || !strings.Contains(out, bad+`:1: macro "vip": segments: gold is not a segment of ../../manifests/segments.yaml`) {
		t.Errorf("unknown segment: exit %d\n%s", code, out)
	}
	t.Setenv("COHORT_MACROS_DIR", filepath.Join(dir, "missing"))
	if code, _, errOut := runCLI(t, "macros", "check"); code != exitFailure || !strings.Contains(errOut, "macros folder") {
		t.Errorf("a folder that is not there: exit %d %s", code, errOut)
	}
}

// TestMacrosSync: an admin edits a macro file and runs one command; the
// second run changes nothing; --dry-run only shows the plan.
func TestMacrosSync(t *testing.T) {
	sb, err := sandbox.Start(sandbox.Config{Email: "agent@example.com", APIToken: syncZDToken}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	dir := t.TempDir()
	macroDir := filepath.Join(dir, "macros")
	if err := os.CopyFS(macroDir, os.DirFS("../../manifests/macros")); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"COHORT_DATABASE_URL": "sqlite:" + filepath.Join(dir, "c.db"), "COHORT_SEGMENTS_FILE": "../../manifests/segments.yaml",
		"COHORT_MACROS_DIR": macroDir, "COHORT_LOG_LEVEL": "warn", "COHORT_ZENDESK_URL": sb.URL(),
		"COHORT_ZENDESK_EMAIL": "agent@example.com", "COHORT_ZENDESK_API_TOKEN": syncZDToken,
	} {
		t.Setenv(k, v)
	}
	code, out, errOut := runCLI(t, "macros", "sync", "--dry-run")
	if code != exitOK || !strings.Contains(out, "zendesk macros: 6 to create") || !strings.Contains(out, "dry run: nothing changed") ||
		sb.Stats().RequestsByRoute["POST /api/v2/macros"] != 0 {
		t.Fatalf("dry run: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "macros", "sync")
	if code != exitOK || !strings.Contains(out, "6 of 6 changes made") {
		t.Fatalf("sync: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ = runCLI(t, "macros", "sync"); code != exitOK || !strings.Contains(out, "zendesk macros: up to date (6 unchanged)") {
		t.Fatalf("second sync: exit %d\n%s", code, out)
	}

	// The admin edits one file; agents see the new title in Zendesk.
	path := filepath.Join(macroDir, "basic.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(data), `title: "Basics: step-by-step answer"`, `title: "Basics: a walk-through"`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCLI(t, "macros", "sync")
	if code != exitOK || !strings.Contains(out, `~ update     basic_step_by_step`) || !strings.Contains(out, `"Basics: a walk-through"`) {
		t.Fatalf("sync after an edit: exit %d\n%s", code, out)
	}
	api, err := zd.NewClient(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := api.SetEndpointURL(sb.URL() + "/api/v2"); err != nil {
		t.Fatal(err)
	}
	api.SetCredential(zd.NewAPITokenCredential("agent@example.com", syncZDToken))
	list, _, err := api.GetMacros(t.Context(), &zd.MacroListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, m := range list {
		titles = append(titles, m.Title)
	}
	if !strings.Contains(strings.Join(titles, "|"), "Basics: a walk-through") || len(list) != 6 {
		t.Errorf("macros in Zendesk: %v", titles)
	}
}
