package check

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/lint/support"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/labels"
)

var update = flag.Bool("update", false, "copy manifests/segments.yaml and manifests/macros/*.yaml into the kustomize base and the chart")

const (
	manifests = ".."
	chartDir  = "../helm/cohort"
	baseDir   = "../k8s/base"
	image     = "ghcr.io/cohortdesk/cohort"
	uid       = 65532
)

// variant is one way of rendering, and what it must render.
type variant struct {
	name     string
	render   func(t *testing.T) []byte
	sqlite   bool
	managed  string            // app.kubernetes.io/managed-by
	prefix   string            // the objects' name prefix (fullname)
	secret   string            // the Secret the pods read
	tag      string            // the image tag
	serve    int32             // serve replicas
	syncer   int32             // syncer replicas (0: none)
	config   map[string]string // the ConfigMap's data; nil: the repository's files
	ingress  bool
	monitor  bool
	maxUnav  int // the PDB's maxUnavailable
	preStop  int64
	shutdown time.Duration
}

func kustomizeVariant(name, dir string) variant {
	return variant{name: "kustomize " + name, managed: "kustomize",
		render: func(t *testing.T) []byte {
			t.Helper()
			out, err := KustomizeBuild(dir)
			if err != nil {
				t.Fatalf("kustomize build %s: %v", dir, err)
			}
			return out
		}}
}

func helmVariant(name, valuesFile string) variant {
	return variant{name: "helm " + name, managed: "Helm",
		render: func(t *testing.T) []byte {
			t.Helper()
			out, _, err := HelmRender(chartDir, values(t, valuesFile), MinKubeVersion)
			if err != nil {
				t.Fatalf("helm template %s: %v", valuesFile, err)
			}
			return out
		}}
}

func values(t *testing.T, file string) map[string]any {
	t.Helper()
	if file == "" {
		return map[string]any{}
	}
	v, err := ReadValues(file)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// postgres, production and sqlite fill in what the three layouts render.
func postgres(v variant) variant {
	v.prefix, v.secret, v.tag, v.serve, v.syncer, v.maxUnav, v.preStop, v.shutdown = "cohort", "cohort", appVersion(), 2, 1, 1, 5, 30*time.Second
	return v
}

func production(v variant) variant {
	v = postgres(v)
	v.ingress, v.monitor = true, true
	return v
}

func sqlite(v variant) variant {
	v = postgres(v)
	v.sqlite, v.serve, v.syncer = true, 1, 0
	return v
}

func appVersion() string {
	c, err := loader.Load(chartDir)
	if err != nil {
		panic(err)
	}
	return c.Metadata.AppVersion
}

func variants() []variant {
	custom := postgres(helmVariant("custom", "testdata/custom-values.yaml"))
	custom.prefix, custom.secret, custom.tag, custom.serve, custom.syncer, custom.maxUnav = "helpdesk", "helpdesk-env", "1.2.3", 4, 2, 2
	custom.preStop, custom.shutdown, custom.ingress = 10, 120*time.Second, true
	custom.config = map[string]string{
		"segments.yaml":   "segments:\n  - name: everyone\n    when: \"true\"\n",
		"macros.vip.yaml": "key: vip\ntitle: VIP\nsegments: [everyone]\nactions:\n  add_tags: [vip]\n",
	}
	return []variant{
		postgres(kustomizeVariant("base", baseDir)),
		production(kustomizeVariant("overlays/production", "../k8s/overlays/production")),
		sqlite(kustomizeVariant("overlays/sqlite-single", "../k8s/overlays/sqlite-single")),
		postgres(helmVariant("default", "")),
		production(helmVariant("production", "testdata/production-values.yaml")),
		sqlite(helmVariant("sqlite", "testdata/sqlite-values.yaml")),
		custom,
	}
}

func decodeAll(t *testing.T, out []byte) []*Object {
	t.Helper()
	if bytes.Contains(out, []byte("kind: Secret")) {
		t.Fatalf("a Secret is rendered: secrets come from the Secret the user creates")
	}
	objs, err := DecodeAll(out)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// TestRendered renders every variant, decodes each object strictly, and checks it.
func TestRendered(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			objs := decodeAll(t, v.render(t))
			checkObjects(t, v, objs)
		})
	}
}

// TestSameObjects: the kustomize base and overlays render the same objects as the chart
// with the matching values, apart from the labels and annotations that say who manages them.
func TestSameObjects(t *testing.T) {
	pairs := [][2]variant{
		{kustomizeVariant("base", baseDir), helmVariant("default", "")},
		{kustomizeVariant("overlays/production", "../k8s/overlays/production"), helmVariant("production", "testdata/production-values.yaml")},
		{kustomizeVariant("overlays/sqlite-single", "../k8s/overlays/sqlite-single"), helmVariant("sqlite", "testdata/sqlite-values.yaml")},
	}
	for _, p := range pairs {
		t.Run(p[0].name, func(t *testing.T) {
			k, h := byID(t, decodeAll(t, p[0].render(t))), byID(t, decodeAll(t, p[1].render(t)))
			if d := cmp.Diff(slices.Sorted(mapKeys(k)), slices.Sorted(mapKeys(h))); d != "" {
				t.Fatalf("%s and %s render different objects (-kustomize +helm):\n%s", p[0].name, p[1].name, d)
			}
			for id, ko := range k {
				if d := cmp.Diff(normalize(t, ko), normalize(t, h[id])); d != "" {
					t.Errorf("%s differs between %s and %s (-kustomize +helm):\n%s", id, p[0].name, p[1].name, d)
				}
			}
		})
	}
}

func byID(t *testing.T, objs []*Object) map[string]*Object {
	t.Helper()
	m := map[string]*Object{}
	for _, o := range objs {
		m[o.ID()] = o
	}
	return m
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// normalize gives the object as JSON values, round-tripped through its type, without the
// labels and annotations that only say which tool manages it.
func normalize(t *testing.T, o *Object) any {
	t.Helper()
	b, err := json.Marshal(o.Obj)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if l, ok := v["labels"].(map[string]any); ok {
				delete(l, "app.kubernetes.io/managed-by")
				delete(l, "helm.sh/chart")
			}
			if a, ok := v["annotations"].(map[string]any); ok {
				delete(a, "helm.sh/resource-policy")
			}
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
	return Prune(v)
}

var secretName = regexp.MustCompile(`_(TOKEN|SECRET|PASSWORD)$|^COHORT_DATABASE_URL$`)

func checkObjects(t *testing.T, v variant, objs []*Object) {
	t.Helper()
	ids := map[string]*Object{}
	for _, o := range objs {
		ids[o.ID()] = o
		l := o.Obj.GetLabels()
		for _, k := range []string{"app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version", "app.kubernetes.io/managed-by"} {
			if l[k] == "" {
				t.Errorf("%s: no label %s", o.ID(), k)
			}
		}
		if l["app.kubernetes.io/version"] != appVersion() || l["app.kubernetes.io/managed-by"] != v.managed {
			t.Errorf("%s: version, managed-by = %q, %q; want %q, %q", o.ID(), l["app.kubernetes.io/version"], l["app.kubernetes.io/managed-by"], appVersion(), v.managed)
		}
	}
	want := []string{"ConfigMap/" + v.prefix + "-config", "Deployment/" + v.prefix + "-serve", "Service/" + v.prefix}
	if v.syncer > 0 {
		want = append(want, "Deployment/"+v.prefix+"-syncer", "Service/"+v.prefix+"-syncer")
	}
	if v.sqlite {
		want = append(want, "PersistentVolumeClaim/"+v.prefix+"-data")
	} else {
		want = append(want, "PodDisruptionBudget/"+v.prefix+"-serve")
	}
	if v.ingress {
		want = append(want, "Ingress/"+v.prefix)
	}
	if v.monitor {
		want = append(want, "ServiceMonitor/"+v.prefix)
	}
	if d := cmp.Diff(slices.Sorted(slices.Values(want)), slices.Sorted(mapKeys(ids))); d != "" {
		t.Fatalf("objects (-want +got):\n%s", d)
	}

	cm := ids["ConfigMap/"+v.prefix+"-config"].Obj.(*corev1.ConfigMap)
	wantData := v.config
	if wantData == nil {
		wantData = repoConfig(t)
	}
	if d := cmp.Diff(wantData, cm.Data); d != "" {
		t.Errorf("ConfigMap %s: data (-want +got):\n%s", cm.Name, d)
	}

	serve := ids["Deployment/"+v.prefix+"-serve"].Obj.(*appsv1.Deployment)
	checkDeployment(t, v, serve, cm, "serve")
	if *serve.Spec.Replicas != v.serve {
		t.Errorf("serve: %d replicas, want %d", *serve.Spec.Replicas, v.serve)
	}
	args := serve.Spec.Template.Spec.Containers[0].Args
	if v.sqlite {
		if serve.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType || serve.Spec.Strategy.RollingUpdate != nil {
			t.Errorf("serve on SQLite: strategy %+v, want Recreate", serve.Spec.Strategy)
		}
		if !slices.Equal(args, []string{"serve", "--with-syncer"}) {
			t.Errorf("serve on SQLite: args %q, want serve --with-syncer", args)
		}
		pvc := ids["PersistentVolumeClaim/"+v.prefix+"-data"].Obj.(*corev1.PersistentVolumeClaim)
		if !slices.Equal(pvc.Spec.AccessModes, []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}) || pvc.Spec.Resources.Requests.Storage().IsZero() {
			t.Errorf("PVC %s: %+v", pvc.Name, pvc.Spec)
		}
		if vol := volumeAt(serve, "cohort", "/data"); vol == nil || vol.PersistentVolumeClaim == nil || vol.PersistentVolumeClaim.ClaimName != pvc.Name {
			t.Errorf("serve on SQLite: /data is %+v, want the PVC %s", vol, pvc.Name)
		}
	} else {
		if serve.Spec.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType || serve.Spec.Strategy.RollingUpdate.MaxUnavailable.IntValue() != 0 {
			t.Errorf("serve: strategy %+v, want a rolling update that keeps every replica", serve.Spec.Strategy)
		}
		if !slices.Equal(args, []string{"serve"}) {
			t.Errorf("serve: args %q, want serve", args)
		}
		pdb := ids["PodDisruptionBudget/"+v.prefix+"-serve"].Obj.(*policyv1.PodDisruptionBudget)
		if pdb.Spec.MinAvailable != nil || pdb.Spec.MaxUnavailable == nil || pdb.Spec.MaxUnavailable.IntValue() != v.maxUnav {
			t.Errorf("PDB: %+v, want maxUnavailable %d", pdb.Spec, v.maxUnav)
		}
		if !selects(pdb.Spec.Selector.MatchLabels, serve) {
			t.Errorf("PDB %s does not select the serve pods", pdb.Name)
		}
	}
	if v.syncer > 0 {
		syncer := ids["Deployment/"+v.prefix+"-syncer"].Obj.(*appsv1.Deployment)
		checkDeployment(t, v, syncer, cm, "syncer")
		if *syncer.Spec.Replicas != v.syncer {
			t.Errorf("syncer: %d replicas, want %d", *syncer.Spec.Replicas, v.syncer)
		}
		if a := syncer.Spec.Template.Spec.Containers[0].Args; !slices.Equal(a, []string{"syncer"}) {
			t.Errorf("syncer: args %q", a)
		}
		svc := ids["Service/"+v.prefix+"-syncer"].Obj.(*corev1.Service)
		checkService(t, svc, syncer, "metrics")
	}
	svc := ids["Service/"+v.prefix].Obj.(*corev1.Service)
	checkService(t, svc, serve, "http", "metrics")

	if v.ingress {
		ing := ids["Ingress/"+v.prefix].Obj.(*networkingv1.Ingress)
		checkIngress(t, ing, svc)
	}
	if v.monitor {
		sm := ids["ServiceMonitor/"+v.prefix].Obj.(*monitoringv1.ServiceMonitor)
		var scraped []string
		for _, o := range objs {
			if s, ok := o.Obj.(*corev1.Service); ok && labels.SelectorFromSet(sm.Spec.Selector.MatchLabels).Matches(labels.Set(s.Labels)) {
				scraped = append(scraped, s.Name)
				if !slices.ContainsFunc(s.Spec.Ports, func(p corev1.ServicePort) bool { return p.Name == "metrics" }) {
					t.Errorf("ServiceMonitor selects Service %s, which has no metrics port", s.Name)
				}
			}
		}
		wantScraped := []string{v.prefix}
		if v.syncer > 0 {
			wantScraped = append(wantScraped, v.prefix+"-syncer")
		}
		if !slices.Equal(slices.Sorted(slices.Values(scraped)), wantScraped) {
			t.Errorf("ServiceMonitor selects Services %q, want %q", scraped, wantScraped)
		}
		if len(sm.Spec.Endpoints) != 1 || sm.Spec.Endpoints[0].Port != "metrics" || sm.Spec.Endpoints[0].Path != "/metrics" {
			t.Errorf("ServiceMonitor endpoints %+v, want the metrics port's /metrics", sm.Spec.Endpoints)
		}
	}
}

// repoConfig is the ConfigMap data that the repository's segments.yaml and macros make.
func repoConfig(t *testing.T) map[string]string {
	t.Helper()
	data := map[string]string{"segments.yaml": readFile(t, filepath.Join(manifests, "segments.yaml"))}
	for _, name := range macroFiles(t, filepath.Join(manifests, "macros")) {
		data["macros."+name] = readFile(t, filepath.Join(manifests, "macros", name))
	}
	return data
}

func macroFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml") {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		t.Fatalf("no macro files in %s", dir)
	}
	return names
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func checkDeployment(t *testing.T, v variant, d *appsv1.Deployment, cm *corev1.ConfigMap, component string) {
	t.Helper()
	name := component
	pod := d.Spec.Template.Spec
	tl := d.Spec.Template.Labels
	if d.Labels["app.kubernetes.io/component"] != component || tl["app.kubernetes.io/component"] != component {
		t.Errorf("%s: component labels %q / %q", name, d.Labels["app.kubernetes.io/component"], tl["app.kubernetes.io/component"])
	}
	for _, k := range []string{"app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version", "app.kubernetes.io/managed-by"} {
		if tl[k] == "" {
			t.Errorf("%s: pod template without label %s", name, k)
		}
	}
	if d.Spec.Selector == nil || len(d.Spec.Selector.MatchLabels) < 3 || !selects(d.Spec.Selector.MatchLabels, d) {
		t.Errorf("%s: selector %v does not select its pods %v", name, d.Spec.Selector, tl)
	}
	if _, ok := d.Spec.Selector.MatchLabels["app.kubernetes.io/version"]; ok {
		t.Errorf("%s: the selector names the version, so an upgrade could not change it", name)
	}
	sc := pod.SecurityContext
	if sc == nil || !isTrue(sc.RunAsNonRoot) || val(sc.RunAsUser) != uid || val(sc.RunAsGroup) != uid || val(sc.FSGroup) != uid ||
		sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s: pod securityContext %+v", name, sc)
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Errorf("%s: the service account token is mounted; cohort does not call the Kubernetes API", name)
	}
	if len(pod.Containers) != 1 || len(pod.InitContainers) != 0 {
		t.Fatalf("%s: %d containers, want 1", name, len(pod.Containers))
	}
	c := pod.Containers[0]
	if c.Image != image+":"+v.tag {
		t.Errorf("%s: image %s, want %s:%s", name, c.Image, image, v.tag)
	}
	cs := c.SecurityContext
	if cs == nil || !isTrue(cs.ReadOnlyRootFilesystem) || cs.AllowPrivilegeEscalation == nil || *cs.AllowPrivilegeEscalation ||
		cs.Capabilities == nil || !slices.Equal(cs.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(cs.Capabilities.Add) != 0 ||
		cs.Privileged != nil && *cs.Privileged || cs.RunAsUser != nil && *cs.RunAsUser == 0 {
		t.Errorf("%s: container securityContext %+v", name, cs)
	}
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, lim := c.Resources.Requests[r], c.Resources.Limits[r]
		if req.IsZero() || lim.IsZero() || req.Cmp(lim) > 0 {
			t.Errorf("%s: %s request %s, limit %s", name, r, req.String(), lim.String())
		}
	}

	// Environment: secrets only from the Secret.
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		if _, dup := env[e.Name]; dup {
			t.Errorf("%s: %s set twice", name, e.Name)
		}
		env[e.Name] = e
		if !strings.HasPrefix(e.Name, "COHORT_") {
			t.Errorf("%s: %s is not a cohort variable", name, e.Name)
		}
		if secretName.MatchString(e.Name) && e.Value != "" && !(v.sqlite && e.Name == "COHORT_DATABASE_URL") {
			t.Errorf("%s: %s has a value in the manifest; it must come from the Secret", name, e.Name)
		}
		if e.ValueFrom != nil && (e.ValueFrom.SecretKeyRef == nil || e.ValueFrom.SecretKeyRef.Name != v.secret || e.ValueFrom.SecretKeyRef.Key != e.Name) {
			t.Errorf("%s: %s from %+v, want key %s of the Secret %s", name, e.Name, e.ValueFrom, e.Name, v.secret)
		}
	}
	if len(c.EnvFrom) != 1 || c.EnvFrom[0].SecretRef == nil || c.EnvFrom[0].SecretRef.Name != v.secret || c.EnvFrom[0].Prefix != "" {
		t.Errorf("%s: envFrom %+v, want the Secret %s", name, c.EnvFrom, v.secret)
	}
	db := env["COHORT_DATABASE_URL"]
	if v.sqlite {
		if db.Value != "sqlite:/data/cohort.db" || db.ValueFrom != nil {
			t.Errorf("%s: COHORT_DATABASE_URL %+v, want sqlite:/data/cohort.db", name, db)
		}
	} else if db.ValueFrom == nil {
		t.Errorf("%s: COHORT_DATABASE_URL %+v, want it from the Secret", name, db)
	}
	for k, want := range map[string]string{
		"COHORT_METRICS_ADDR":  ":9090",
		"COHORT_SEGMENTS_FILE": "/etc/cohort/segments.yaml",
		"COHORT_MACROS_DIR":    "/etc/cohort/macros",
	} {
		if env[k].Value != want {
			t.Errorf("%s: %s=%q, want %q", name, k, env[k].Value, want)
		}
	}
	shutdown, err := time.ParseDuration(env["COHORT_SHUTDOWN_TIMEOUT"].Value)
	if err != nil || shutdown != v.shutdown {
		t.Errorf("%s: COHORT_SHUTDOWN_TIMEOUT=%q, want %s", name, env["COHORT_SHUTDOWN_TIMEOUT"].Value, v.shutdown)
	}

	// Ports and probes.
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	wantPorts := map[string]int32{"metrics": 9090}
	probePort := "metrics"
	if component == "serve" {
		wantPorts["http"] = 8080
		probePort = "http"
		if env["COHORT_LISTEN_ADDR"].Value != ":8080" {
			t.Errorf("%s: COHORT_LISTEN_ADDR=%q, want :8080", name, env["COHORT_LISTEN_ADDR"].Value)
		}
	}
	if !reflect.DeepEqual(ports, wantPorts) {
		t.Errorf("%s: ports %v, want %v", name, ports, wantPorts)
	}
	for _, p := range []struct {
		what  string
		probe *corev1.Probe
		path  string
	}{{"readiness", c.ReadinessProbe, "/readyz"}, {"liveness", c.LivenessProbe, "/healthz"}, {"startup", c.StartupProbe, "/healthz"}} {
		if p.probe == nil || p.probe.HTTPGet == nil || p.probe.HTTPGet.Path != p.path || p.probe.HTTPGet.Port.String() != probePort {
			t.Errorf("%s: %s probe %+v, want GET %s on port %s", name, p.what, p.probe, p.path, probePort)
		}
	}

	// Shutdown: the grace period covers the preStop sleep, the jobs' time and a margin.
	var preStop int64
	if c.Lifecycle != nil && c.Lifecycle.PreStop != nil {
		if c.Lifecycle.PreStop.Sleep == nil || c.Lifecycle.PreStop.Exec != nil || c.Lifecycle.PreStop.HTTPGet != nil {
			t.Errorf("%s: preStop %+v, want the sleep action (the image has no shell)", name, c.Lifecycle.PreStop)
		} else {
			preStop = c.Lifecycle.PreStop.Sleep.Seconds
		}
	}
	wantPreStop := v.preStop
	if component != "serve" {
		wantPreStop = 0
	}
	if preStop != wantPreStop {
		t.Errorf("%s: preStop sleep %ds, want %ds", name, preStop, wantPreStop)
	}
	grace := time.Duration(val(pod.TerminationGracePeriodSeconds)) * time.Second
	// After the timeout River takes up to 10 s to cancel what still runs
	// (store.Queue.Stop), and the listeners up to 1 s to close.
	if minGrace := time.Duration(preStop)*time.Second + shutdown + 11*time.Second; grace < minGrace {
		t.Errorf("%s: terminationGracePeriodSeconds %s, want at least preStop %ds + COHORT_SHUTDOWN_TIMEOUT %s + 11s", name, grace, preStop, shutdown)
	}

	// Volumes: read-only config, a writable /tmp, and /data only on SQLite.
	if vol := volumeAt(d, "cohort", "/tmp"); vol == nil || vol.EmptyDir == nil {
		t.Errorf("%s: /tmp is %+v, want an emptyDir", name, vol)
	}
	if vol := volumeAt(d, "cohort", "/data"); (vol != nil) != v.sqlite {
		t.Errorf("%s: /data is %+v (SQLite: %v)", name, vol, v.sqlite)
	}
	vol := volumeAt(d, "cohort", "/etc/cohort")
	if vol == nil || vol.ConfigMap == nil || vol.ConfigMap.Name != cm.Name {
		t.Fatalf("%s: /etc/cohort is %+v, want the ConfigMap %s", name, vol, cm.Name)
	}
	var keys []string
	for _, it := range vol.ConfigMap.Items {
		keys = append(keys, it.Key)
		want := it.Key
		if m, ok := strings.CutPrefix(it.Key, "macros."); ok {
			want = "macros/" + m
		}
		if it.Path != want {
			t.Errorf("%s: ConfigMap key %s mounted at %s, want %s", name, it.Key, it.Path, want)
		}
	}
	if d := cmp.Diff(slices.Sorted(mapKeys(cm.Data)), slices.Sorted(slices.Values(keys))); d != "" {
		t.Errorf("%s: the config volume's items do not match the ConfigMap's keys (-keys +items):\n%s", name, d)
	}
	for _, m := range c.VolumeMounts {
		if m.MountPath == "/etc/cohort" && !m.ReadOnly {
			t.Errorf("%s: /etc/cohort is mounted writable", name)
		}
	}
}

func volumeAt(d *appsv1.Deployment, container, path string) *corev1.VolumeSource {
	for _, c := range d.Spec.Template.Spec.Containers {
		if c.Name != container {
			continue
		}
		for _, m := range c.VolumeMounts {
			if m.MountPath != path {
				continue
			}
			for _, v := range d.Spec.Template.Spec.Volumes {
				if v.Name == m.Name {
					return &v.VolumeSource
				}
			}
		}
	}
	return nil
}

func selects(sel map[string]string, d *appsv1.Deployment) bool {
	return len(sel) > 0 && labels.SelectorFromSet(sel).Matches(labels.Set(d.Spec.Template.Labels))
}

func checkService(t *testing.T, s *corev1.Service, d *appsv1.Deployment, ports ...string) {
	t.Helper()
	if !selects(s.Spec.Selector, d) {
		t.Errorf("Service %s selects %v, not the pods of %s", s.Name, s.Spec.Selector, d.Name)
	}
	var got []string
	for _, p := range s.Spec.Ports {
		got = append(got, p.Name)
		if p.TargetPort.String() != p.Name {
			t.Errorf("Service %s: port %s targets %s", s.Name, p.Name, p.TargetPort.String())
		}
		if !slices.ContainsFunc(d.Spec.Template.Spec.Containers[0].Ports, func(c corev1.ContainerPort) bool { return c.Name == p.Name }) {
			t.Errorf("Service %s: port %s is not a port of %s", s.Name, p.Name, d.Name)
		}
	}
	if !slices.Equal(got, ports) {
		t.Errorf("Service %s: ports %q, want %q", s.Name, got, ports)
	}
}

// publicPaths are what may be reachable from outside: Zendesk's webhooks, the sidebar app,
// and (by choice) the customer push API. Never the admin pages, the admin API or /metrics.
var publicPaths = map[string]networkingv1.PathType{
	"/webhooks/":        networkingv1.PathTypePrefix,
	"/app/":             networkingv1.PathTypePrefix,
	"/api/v1/customers": networkingv1.PathTypeExact,
}

func checkIngress(t *testing.T, ing *networkingv1.Ingress, svc *corev1.Service) {
	t.Helper()
	if ing.Spec.DefaultBackend != nil || len(ing.Spec.Rules) == 0 {
		t.Errorf("Ingress %s: a default backend or no rules", ing.Name)
	}
	var paths []string
	for _, r := range ing.Spec.Rules {
		if r.HTTP == nil {
			t.Errorf("Ingress %s: a rule without paths", ing.Name)
			continue
		}
		for _, p := range r.HTTP.Paths {
			paths = append(paths, p.Path)
			if want, ok := publicPaths[p.Path]; !ok || p.PathType == nil || *p.PathType != want {
				t.Errorf("Ingress %s: path %s (%v) is not one that may be public", ing.Name, p.Path, p.PathType)
			}
			if b := p.Backend.Service; b == nil || b.Name != svc.Name || b.Port.Name != "http" {
				t.Errorf("Ingress %s: path %s goes to %+v, want Service %s port http", ing.Name, p.Path, b, svc.Name)
			}
		}
	}
	for _, must := range []string{"/webhooks/", "/app/"} {
		if !slices.Contains(paths, must) {
			t.Errorf("Ingress %s: no path %s", ing.Name, must)
		}
	}
}

func isTrue(b *bool) bool { return b != nil && *b }

func val[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// TestMain, with -update, first copies manifests/segments.yaml and manifests/macros/*.yaml
// into the kustomize base and the chart, so that the tests then see the new copies.
func TestMain(m *testing.M) {
	flag.Parse()
	if *update {
		if err := updateCopies(); err != nil {
			fmt.Fprintln(os.Stderr, "-update:", err)
			os.Exit(1)
		}
	}
	os.Exit(m.Run())
}

// copyDirs are the copies of the repository's rules: kustomize and Helm read no file outside
// their own folder.
var copyDirs = []string{filepath.Join(baseDir, "config"), filepath.Join(chartDir, "files")}

func updateCopies() error {
	names, err := filepath.Glob(filepath.Join(manifests, "macros", "*.y*ml"))
	if err != nil {
		return err
	}
	files := append([]string{filepath.Join(manifests, "segments.yaml")}, names...)
	for _, dir := range copyDirs {
		if err := os.RemoveAll(filepath.Join(dir, "macros")); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(dir, "macros"), 0o755); err != nil {
			return err
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(manifests, f)
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(dir, rel), b, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// TestConfigCopies: the kustomize base's and the chart's copies of manifests/segments.yaml
// and manifests/macros/*.yaml equal the originals; go test ./... -update rewrites them.
func TestConfigCopies(t *testing.T) {
	for _, dir := range copyDirs {
		got := map[string]string{"segments.yaml": readFile(t, filepath.Join(dir, "segments.yaml"))}
		for _, name := range macroFiles(t, filepath.Join(dir, "macros")) {
			got["macros."+name] = readFile(t, filepath.Join(dir, "macros", name))
		}
		if d := cmp.Diff(repoConfig(t), got); d != "" {
			t.Errorf("%s differs from manifests/segments.yaml and manifests/macros (run go test ./... -update; a new macro file then needs its line in manifests/k8s/base/kustomization.yaml and its item in base/serve.yaml and base/syncer.yaml) (-repo +copy):\n%s", dir, d)
		}
	}
}

// TestHelmLint: helm lint --strict passes every values file with nothing above INFO.
func TestHelmLint(t *testing.T) {
	for _, file := range []string{"", "testdata/production-values.yaml", "testdata/sqlite-values.yaml", "testdata/custom-values.yaml"} {
		msgs, err := HelmLint(chartDir, values(t, file), MinKubeVersion)
		for _, m := range msgs {
			if m.Severity >= support.WarningSev {
				t.Errorf("helm lint --strict (values %q): %s", file, m)
			} else {
				t.Logf("helm lint (values %q): %s", file, m)
			}
		}
		if err != nil {
			t.Errorf("helm lint --strict (values %q): %v", file, err)
		}
	}
}

// TestHelmRefuses: the chart refuses secrets in values, bad macro names and clusters too old
// for the preStop sleep action; it renders no Secret whatever it is given.
func TestHelmRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		vals map[string]any
		kube string
		want string
	}{
		{"a token in env", map[string]any{"env": map[string]any{"COHORT_ZENDESK_API_TOKEN": "t0ps3cret"}}, MinKubeVersion, "never in values"},
		{"a webhook secret in env", map[string]any{"env": map[string]any{"COHORT_ZENDESK_WEBHOOK_SECRET": "x"}}, MinKubeVersion, "never in values"},
		{"the database URL in env", map[string]any{"env": map[string]any{"COHORT_DATABASE_URL": "postgres://u:p@db/x"}}, MinKubeVersion, "never in values"},
		{"another prefix", map[string]any{"env": map[string]any{"HOME": "/"}}, MinKubeVersion, "only COHORT_"},
		{"a variable the chart sets", map[string]any{"env": map[string]any{"COHORT_SHUTDOWN_TIMEOUT": "120s"}}, MinKubeVersion, "set shutdownTimeoutSeconds"},
		{"the metrics address", map[string]any{"env": map[string]any{"COHORT_METRICS_ADDR": ":9999"}}, MinKubeVersion, "the chart sets it"},
		{"a macro file name", map[string]any{"config": map[string]any{"macros": map[string]any{"../x": "k: v"}}}, MinKubeVersion, "want a file name"},
		{"Kubernetes 1.29", map[string]any{}, "v1.29.9", "incompatible"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := HelmRender(chartDir, tc.vals, tc.kube)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("rendered (error %v, want one saying %q):\n%s", err, tc.want, out)
			}
			if strings.Contains(err.Error(), "t0ps3cret") {
				t.Errorf("the error shows the secret: %v", err)
			}
		})
	}
}

// TestNotes: NOTES.txt renders and tells the user which Secret to create.
func TestNotes(t *testing.T) {
	_, notes, err := HelmRender(chartDir, map[string]any{}, MinKubeVersion)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(notes, "create secret generic cohort ") {
		t.Errorf("NOTES.txt does not say how to create the Secret:\n%s", notes)
	}
}

// TestDecoderIsStrict: the decoder refuses what the API server would refuse or silently drop,
// so that TestRendered cannot pass on objects it did not really read.
func TestDecoderIsStrict(t *testing.T) {
	const good = `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: x
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {a: b}
`
	if _, err := Decode([]byte(good)); err != nil {
		t.Fatalf("a valid object: %v", err)
	}
	for _, tc := range []struct{ name, doc, want string }{
		{"an unknown field", strings.Replace(good, "maxUnavailable: 1", "maxUnavailable: 1\n  maxUnavailabel: 1", 1), `unknown field "maxUnavailabel"`},
		{"an unknown nested field", strings.Replace(good, "matchLabels: {a: b}", "matchLabels: {a: b}\n    matchLabel: {a: b}", 1), `unknown field "matchLabel"`},
		{"a wrong type", strings.Replace(good, "matchLabels: {a: b}", "matchLabels: [a, b]", 1), "cannot unmarshal array"},
		{"a wrong scalar type", `apiVersion: apps/v1
kind: Deployment
metadata: {name: x}
spec: {replicas: two}
`, "cannot unmarshal string"},
		{"a field in the wrong case", strings.Replace(good, "maxUnavailable: 1", "MaxUnavailable: 1", 1), "round trip"},
		{"a duplicate key", strings.Replace(good, "maxUnavailable: 1", "maxUnavailable: 1\n  maxUnavailable: 2", 1), "already set"},
		{"a Secret", "apiVersion: v1\nkind: Secret\nmetadata: {name: x}\nstringData: {COHORT_ADMIN_TOKEN: x}\n", "not one cohort's manifests may render"},
		{"an unknown kind", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: x}\n", "not one cohort's manifests may render"},
		{"a known kind in the wrong group", "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: x}\n", "not one cohort's manifests may render"},
		{"no name", "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n", "without metadata.name"},
		{"an unknown ServiceMonitor field", `apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: x}
spec:
  selector: {}
  endpoints: [{port: metrics, scrapeEvery: 30s}]
`, `unknown field "scrapeEvery"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode([]byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Decode: %v, want an error saying %q", err, tc.want)
			}
		})
	}
	if _, err := DecodeAll([]byte(good + "---\n# nothing\n---\n" + good)); err == nil || !strings.Contains(err.Error(), "rendered twice") {
		t.Errorf("DecodeAll of one object twice: %v", err)
	}
}
