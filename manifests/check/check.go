// Package check validates cohort's Kubernetes manifests offline: it builds the kustomize base
// and overlays (manifests/k8s) with kustomize's own library, renders and lints the Helm chart
// (manifests/helm/cohort) with Helm's, and decodes every rendered object strictly into its
// Kubernetes API type. The tests in this package say what the rendered objects must be.
//
// It is a module of its own so that Helm, kustomize and the Kubernetes API types stay out of
// cohort's go.mod: run it with (cd manifests/check && go test ./...).
package check

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/lint/support"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// Kinds are the objects cohort's manifests may render, by apiVersion and kind, each with the
// Go type it decodes into. Anything else, a Secret above all, is refused.
var Kinds = map[string]func() metav1.Object{
	"apps/v1 Deployment":                      func() metav1.Object { return &appsv1.Deployment{} },
	"v1 Service":                              func() metav1.Object { return &corev1.Service{} },
	"v1 ConfigMap":                            func() metav1.Object { return &corev1.ConfigMap{} },
	"v1 PersistentVolumeClaim":                func() metav1.Object { return &corev1.PersistentVolumeClaim{} },
	"policy/v1 PodDisruptionBudget":           func() metav1.Object { return &policyv1.PodDisruptionBudget{} },
	"networking.k8s.io/v1 Ingress":            func() metav1.Object { return &networkingv1.Ingress{} },
	"monitoring.coreos.com/v1 ServiceMonitor": func() metav1.Object { return &monitoringv1.ServiceMonitor{} },
}

// Object is one rendered object, decoded.
type Object struct {
	Kind string        // e.g. Deployment
	Name string        // metadata.name
	Obj  metav1.Object // *appsv1.Deployment, *corev1.Service, …
	JSON []byte        // the document as JSON
}

// ID is the object's kind and name, e.g. "Deployment/cohort-serve".
func (o *Object) ID() string { return o.Kind + "/" + o.Name }

// Decode decodes one YAML document strictly into the API type its apiVersion and kind name:
// a duplicate key, a field the type does not have, a value of the wrong type, a field whose
// name matches only case-insensitively, or a kind not in Kinds is an error.
func Decode(doc []byte) (*Object, error) {
	js, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return nil, fmt.Errorf("yaml: %w", err)
	}
	var tm metav1.TypeMeta
	if err := json.Unmarshal(js, &tm); err != nil {
		return nil, fmt.Errorf("apiVersion/kind: %w", err)
	}
	newObj, ok := Kinds[tm.APIVersion+" "+tm.Kind]
	if !ok {
		return nil, fmt.Errorf("kind %q (apiVersion %q) is not one cohort's manifests may render", tm.Kind, tm.APIVersion)
	}
	obj := newObj()
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(obj); err != nil {
		return nil, fmt.Errorf("%s %s: %w", tm.Kind, nameOf(js), err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%s %s: data after the object", tm.Kind, nameOf(js))
	}
	// encoding/json matches field names case-insensitively: a round trip through the type
	// must give back the same document, or a field was taken under another spelling.
	back, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var want, got any
	if err := json.Unmarshal(js, &want); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(back, &got); err != nil {
		return nil, err
	}
	if path, ok := within(Prune(want), Prune(got), ""); !ok {
		return nil, fmt.Errorf("%s %s: %s does not survive a round trip through %T (a field in the wrong case, or a value in a non-canonical form)",
			tm.Kind, obj.GetName(), path, obj)
	}
	if obj.GetName() == "" {
		return nil, fmt.Errorf("%s without metadata.name", tm.Kind)
	}
	return &Object{Kind: tm.Kind, Name: obj.GetName(), Obj: obj, JSON: js}, nil
}

// within reports whether every value in want is in got (which may have more: the zero
// values of fields without omitempty), and if not, where they differ.
func within(want, got any, path string) (string, bool) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return path, false
		}
		for k, e := range w {
			if p, ok := within(e, g[k], path+"."+k); !ok {
				return p, false
			}
		}
		return path, true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return path, false
		}
		for i := range w {
			if p, ok := within(w[i], g[i], fmt.Sprintf("%s[%d]", path, i)); !ok {
				return p, false
			}
		}
		return path, true
	default:
		return path, reflect.DeepEqual(want, got)
	}
}

func nameOf(js []byte) string {
	var m struct {
		Metadata struct{ Name string }
	}
	_ = json.Unmarshal(js, &m)
	return m.Metadata.Name
}

// Prune drops, recursively, null values and the empty objects and lists that leaves, so that
// a document and its round trip through a Go type (which adds creationTimestamp: null,
// status: {}) compare equal.
func Prune(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			e = Prune(e)
			if e == nil {
				continue
			}
			if m, ok := e.(map[string]any); ok && len(m) == 0 {
				continue
			}
			out[k] = e
		}
		return out
	case []any:
		out := make([]any, 0, len(v))
		for _, e := range v {
			out = append(out, Prune(e))
		}
		if len(out) == 0 {
			return nil
		}
		return out
	default:
		return v
	}
}

// DecodeAll splits a multi-document YAML stream and decodes each document; documents with
// nothing but comments are skipped. Two objects of one kind and name are an error.
func DecodeAll(stream []byte) ([]*Object, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(stream)))
	var objs []*Object
	seen := map[string]bool{}
	for {
		doc, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		js, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return nil, fmt.Errorf("yaml: %w\n%s", err, doc)
		}
		if string(bytes.TrimSpace(js)) == "null" {
			continue
		}
		o, err := Decode(doc)
		if err != nil {
			return nil, err
		}
		if seen[o.ID()] {
			return nil, fmt.Errorf("%s rendered twice", o.ID())
		}
		seen[o.ID()] = true
		objs = append(objs, o)
	}
	return objs, nil
}

// KustomizeBuild runs `kustomize build dir` with kustomize's defaults (files only from inside
// the kustomization's own folder, as kubectl apply -k does).
func KustomizeBuild(dir string) ([]byte, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), abs)
	if err != nil {
		return nil, err
	}
	return m.AsYaml()
}

// MinKubeVersion is the oldest Kubernetes the manifests are for: the preStop sleep action.
const MinKubeVersion = "v1.30.0"

// Release is the release name the chart is rendered as, so that its names match the
// kustomize base's (helm install cohort …).
const Release = "cohort"

// HelmRender renders the chart at dir with vals (on top of its values.yaml) for a release
// named Release in namespace default on Kubernetes kubeVersion, as `helm template` does, but
// with a missing value an error (Helm's strict mode). It returns the manifests in template
// order, and the rendered NOTES.txt.
func HelmRender(dir string, vals map[string]any, kubeVersion string) (manifests []byte, notes string, err error) {
	chrt, err := loader.Load(dir)
	if err != nil {
		return nil, "", err
	}
	kv, err := chartutil.ParseKubeVersion(kubeVersion)
	if err != nil {
		return nil, "", err
	}
	if c := chrt.Metadata.KubeVersion; c != "" && !chartutil.IsCompatibleRange(c, kv.String()) {
		return nil, "", fmt.Errorf("chart requires kubeVersion %s, which is incompatible with Kubernetes %s", c, kv.String())
	}
	caps := chartutil.DefaultCapabilities.Copy()
	caps.KubeVersion = *kv
	rv, err := chartutil.ToRenderValues(chrt, vals, chartutil.ReleaseOptions{
		Name: Release, Namespace: "default", Revision: 1, IsInstall: true,
	}, caps)
	if err != nil {
		return nil, "", err
	}
	files, err := engine.Engine{Strict: true}.Render(chrt, rv)
	if err != nil {
		return nil, "", err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	for _, name := range names {
		switch {
		case strings.HasSuffix(name, "NOTES.txt"):
			notes = files[name]
		case strings.HasSuffix(name, ".yaml"):
			fmt.Fprintf(&buf, "---\n# Source: %s\n%s\n", name, files[name])
		}
	}
	return buf.Bytes(), notes, nil
}

// HelmLint runs `helm lint --strict` on the chart at dir with vals for Kubernetes
// kubeVersion, and returns every message it gave (INFO included).
func HelmLint(dir string, vals map[string]any, kubeVersion string) ([]support.Message, error) {
	kv, err := chartutil.ParseKubeVersion(kubeVersion)
	if err != nil {
		return nil, err
	}
	l := action.NewLint()
	l.Strict = true
	l.Namespace = "default"
	l.KubeVersion = kv
	res := l.Run([]string{dir}, vals)
	return res.Messages, errors.Join(res.Errors...)
}

// ReadValues reads a values file.
func ReadValues(path string) (map[string]any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	v, err := chartutil.ReadValues(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return v.AsMap(), nil
}
