package deployments_test

import (
	"bytes"
	"cmp"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// kustomization is the part of kustomization.yaml the tests read. kustomize's own types are a
// large module, so this one file is not decoded strictly.
type kustomization struct {
	Resources []string         `json:"resources"`
	Images    []kustomizeImage `json:"images"`
}

type kustomizeImage struct {
	Name string `json:"name"`
}

var kinds = map[string]func() any{
	"apps/v1 Deployment":                            func() any { return new(appsv1.Deployment) },
	"v1 Service":                                    func() any { return new(corev1.Service) },
	"v1 ConfigMap":                                  func() any { return new(corev1.ConfigMap) },
	"v1 Secret":                                     func() any { return new(corev1.Secret) },
	"autoscaling/v2 HorizontalPodAutoscaler":        func() any { return new(autoscalingv2.HorizontalPodAutoscaler) },
	"policy/v1 PodDisruptionBudget":                 func() any { return new(policyv1.PodDisruptionBudget) },
	"kustomize.config.k8s.io/v1beta1 Kustomization": func() any { return new(kustomization) },
}

// readManifests decodes each k8s/*.yaml (one object a file) into its API type by apiVersion and
// kind as the API server's strict field validation does (kubectl's YAML to JSON, then
// sigs.k8s.io/json): an unknown, misspelt or miscased field, a duplicate key or a wrongly typed
// value (an unquoted number in a ConfigMap) fails.
func readManifests(t *testing.T) map[string]any {
	t.Helper()
	files, err := filepath.Glob("k8s/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no k8s/*.yaml (%v)", err)
	}
	objs := map[string]any{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		var tm metav1.TypeMeta
		if err == nil {
			err = yaml.Unmarshal(b, &tm)
		}
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if bytes.Contains(b, []byte("\n---")) {
			t.Fatalf("%s: more than one document; keep one object a file, each listed in kustomization.yaml", f)
		}
		newObj, ok := kinds[tm.APIVersion+" "+tm.Kind]
		if !ok {
			t.Fatalf("%s: %s %s is not a kind the tests know: add its API type to kinds", f, tm.APIVersion, tm.Kind)
		}
		obj := newObj()
		if _, ok := obj.(*kustomization); ok {
			err = yaml.Unmarshal(b, obj) // see kustomization
		} else if j, jerr := yaml.YAMLToJSONStrict(b); jerr != nil {
			err = jerr
		} else {
			var strict []error
			strict, err = json.UnmarshalStrict(j, obj, json.DisallowDuplicateFields, json.DisallowUnknownFields)
			err = errors.Join(append(strict, err)...)
		}
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		objs[f] = obj
	}
	return objs
}

// of returns the objects of type T, by file.
func of[T any](objs map[string]any) map[string]T {
	out := map[string]T{}
	for f, o := range objs {
		if v, ok := o.(T); ok {
			out[f] = v
		}
	}
	return out
}

// only returns the one object of type T.
func only[T any](t *testing.T, objs map[string]any) (string, T) {
	t.Helper()
	all := of[T](objs)
	if len(all) != 1 {
		t.Fatalf("k8s/: %d objects of type %T, want one", len(all), *new(T))
	}
	for file, obj := range all {
		return file, obj
	}
	panic("unreachable")
}

// envSource is a ConfigMap's data or a Secret's values (stringData over data, as the API
// server merges them).
type envSource struct {
	file string
	data map[string]string
}

func envSources(objs map[string]any) map[string]envSource {
	out := map[string]envSource{}
	for f, cm := range of[*corev1.ConfigMap](objs) {
		out["ConfigMap "+cm.Name] = envSource{f, cm.Data}
	}
	for f, s := range of[*corev1.Secret](objs) {
		data := map[string]string{}
		for k, v := range s.Data {
			data[k] = string(v)
		}
		for k, v := range s.StringData {
			data[k] = v
		}
		out["Secret "+s.Name] = envSource{f, data}
	}
	return out
}

func TestKubernetesDeployment(t *testing.T) {
	objs := readManifests(t)
	_, img, _ := readDockerfile(t)
	file, d := only[*appsv1.Deployment](t, objs)
	pod := d.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("%s: spec.template.spec.containers: want the one api container", file)
	}
	c := pod.Containers[0]
	where := file + ": spec.template.spec.containers[" + c.Name + "]"

	// The process's environment: the image's ENV, then envFrom, then env. Every ConfigMap and
	// Secret under k8s/ is toasoan's, so each must be in envFrom.
	layers := []map[string]string{img.env}
	unused := envSources(objs)
	for i, ef := range c.EnvFrom {
		var ref string
		switch {
		case ef.ConfigMapRef != nil:
			ref = "ConfigMap " + ef.ConfigMapRef.Name
		case ef.SecretRef != nil:
			ref = "Secret " + ef.SecretRef.Name
		}
		src, ok := unused[ref]
		if !ok {
			t.Errorf("%s.envFrom[%d]: %s is not defined under k8s/", where, i, ref)
			continue
		}
		checkNames(t, src.file+": "+ref, src.data)
		delete(unused, ref)
		layers = append(layers, src.data)
	}
	for ref, src := range unused {
		t.Errorf("%s: %s is not in %s.envFrom", src.file, ref, where)
	}
	literal := map[string]string{}
	for _, e := range c.Env {
		literal[e.Name] = e.Value
	}
	checkNames(t, where+".env", literal)
	cfg := loadConfig(t, where+" (Dockerfile ENV + envFrom + env)", append(layers, literal)...)

	// The port and the probes.
	port := int32(listenPort(t, cfg))
	if len(c.Ports) != 1 || c.Ports[0].ContainerPort != port || c.Ports[0].Name == "" {
		t.Fatalf("%s.ports: want one named containerPort %d, where toasoan listens (TOASOAN_ADDR %q)", where, port, cfg.Addr)
	}
	for _, p := range []struct {
		field string
		probe *corev1.Probe
		paths []string
	}{
		{"livenessProbe", c.LivenessProbe, []string{"/healthz"}},
		{"readinessProbe", c.ReadinessProbe, []string{"/readyz"}},
		{"startupProbe", c.StartupProbe, []string{"/healthz", "/readyz"}},
	} {
		if p.probe == nil || p.probe.HTTPGet == nil {
			t.Errorf("%s.%s: want httpGet %s", where, p.field, p.paths[0])
		} else if g := p.probe.HTTPGet; !slices.Contains(p.paths, g.Path) || !isPort(g.Port, c.Ports[0]) {
			t.Errorf("%s.%s.httpGet: path %q port %s, want path %q port %q", where, p.field, g.Path, g.Port.String(), p.paths[0], c.Ports[0].Name)
		}
	}
	if s := c.StartupProbe; s != nil && time.Duration(s.PeriodSeconds*s.FailureThreshold)*time.Second <= cfg.DatabaseWait {
		t.Errorf("%s.startupProbe: periodSeconds × failureThreshold is not more than TOASOAN_DATABASE_WAIT %s: pods waiting for the database would be restarted", where, cfg.DatabaseWait)
	}

	// Shutdown within the grace period: the preStop sleep, then TOASOAN_SHUTDOWN_TIMEOUT.
	var preStop time.Duration
	if l := c.Lifecycle; l != nil && l.PreStop != nil && l.PreStop.Sleep != nil {
		preStop = time.Duration(l.PreStop.Sleep.Seconds) * time.Second
	}
	if g := pod.TerminationGracePeriodSeconds; g == nil || time.Duration(*g)*time.Second <= preStop+cfg.ShutdownTimeout {
		t.Errorf("%s: spec.template.spec.terminationGracePeriodSeconds must be more than the preStop sleep (%s) + TOASOAN_SHUTDOWN_TIMEOUT (%s)", file, preStop, cfg.ShutdownTimeout)
	}

	// Non-root, as the image's user; with a read-only root every written directory is a mount.
	sc, psc := c.SecurityContext, pod.SecurityContext
	if sc == nil || psc == nil {
		t.Fatalf("%s: want a securityContext on the pod and the container", where)
	}
	if nonRoot := cmp.Or(sc.RunAsNonRoot, psc.RunAsNonRoot); nonRoot == nil || !*nonRoot {
		t.Errorf("%s.securityContext.runAsNonRoot is not true", where)
	}
	uid, _, _ := strings.Cut(img.user, ":")
	if u := cmp.Or(sc.RunAsUser, psc.RunAsUser); u == nil || strconv.FormatInt(*u, 10) != uid {
		t.Errorf("%s: securityContext.runAsUser is not the Dockerfile's USER %s", where, img.user)
	}
	if ro := sc.ReadOnlyRootFilesystem; ro != nil && *ro {
		var mounts []string
		for _, vm := range c.VolumeMounts {
			mounts = append(mounts, vm.MountPath)
		}
		for _, dir := range []string{cfg.DataDir, cfg.MediaDir, "/tmp"} {
			if !under(dir, mounts) {
				t.Errorf("%s: %s is not under a volumeMount (%v) and the root filesystem is read-only", where, dir, mounts)
			}
		}
	}

	// Several replicas share nothing local.
	replicas := int32(1)
	if d.Spec.Replicas != nil {
		replicas = *d.Spec.Replicas
	}
	for _, h := range of[*autoscalingv2.HorizontalPodAutoscaler](objs) {
		replicas = max(replicas, h.Spec.MaxReplicas)
	}
	for name, value := range map[string]string{"TOASOAN_DATABASE_URL": cfg.DatabaseURL, "TOASOAN_REDIS_URL": cfg.RedisURL, "TOASOAN_MEDIA_BUCKET_URL": cfg.MediaBucketURL} {
		if replicas > 1 && value == "" {
			t.Errorf("%s: up to %d replicas but %s is not set in the ConfigMap or Secret", where, replicas, name)
		}
	}
}

func isPort(p intstr.IntOrString, cp corev1.ContainerPort) bool {
	if p.Type == intstr.String {
		return p.StrVal == cp.Name
	}
	return p.IntVal == cp.ContainerPort
}

// TestKubernetesWiring checks that the Service, the HPA and the PodDisruptionBudget reach the
// Deployment's pods.
func TestKubernetesWiring(t *testing.T) {
	objs := readManifests(t)
	file, d := only[*appsv1.Deployment](t, objs)
	pods := d.Spec.Template.Labels
	selects := func(f, field string, sel *metav1.LabelSelector) {
		if s, err := metav1.LabelSelectorAsSelector(sel); err != nil {
			t.Errorf("%s: %s: %v", f, field, err)
		} else if s.Empty() || !s.Matches(labels.Set(pods)) {
			t.Errorf("%s: %s %q does not select the Deployment's pod labels %v", f, field, s, pods)
		}
	}
	selects(file, "spec.selector", d.Spec.Selector)
	for f, p := range of[*policyv1.PodDisruptionBudget](objs) {
		selects(f, "spec.selector", p.Spec.Selector)
	}
	c := d.Spec.Template.Spec.Containers[0]
	for f, s := range of[*corev1.Service](objs) {
		selects(f, "spec.selector", &metav1.LabelSelector{MatchLabels: s.Spec.Selector})
		for i, p := range s.Spec.Ports {
			if !slices.ContainsFunc(c.Ports, func(cp corev1.ContainerPort) bool { return isPort(p.TargetPort, cp) }) {
				t.Errorf("%s: spec.ports[%d].targetPort %s is not a port of the Deployment's container (%v)", f, i, p.TargetPort.String(), c.Ports)
			}
		}
	}
	for f, h := range of[*autoscalingv2.HorizontalPodAutoscaler](objs) {
		if ref := h.Spec.ScaleTargetRef; ref.APIVersion != "apps/v1" || ref.Kind != "Deployment" || ref.Name != d.Name {
			t.Errorf("%s: spec.scaleTargetRef is %s %s %s, want apps/v1 Deployment %s", f, ref.APIVersion, ref.Kind, ref.Name, d.Name)
		}
		for _, m := range h.Spec.Metrics {
			if m.Resource != nil && c.Resources.Requests.Name(m.Resource.Name, "").IsZero() {
				t.Errorf("%s: %s scales on %s utilization, but the container requests no %s", file, f, m.Resource.Name, m.Resource.Name)
			}
		}
	}
}

// TestKubernetesSecrets checks that only placeholders are committed and that secrets stay out
// of ConfigMaps.
func TestKubernetesSecrets(t *testing.T) {
	for ref, src := range envSources(readManifests(t)) {
		for k, v := range src.data {
			switch secret := strings.HasPrefix(ref, "Secret "); {
			case secret && !strings.Contains(v, "CHANGE-ME"):
				t.Errorf("%s: %s: the value of %s is not a CHANGE-ME placeholder: create the real Secret in the cluster (deployments/README.md)", src.file, ref, k)
			case !secret && (strings.Contains(k, "SECRET") || strings.Contains(k, "PASSWORD") || strings.HasSuffix(k, "_URL") && strings.Contains(v, "@")):
				t.Errorf("%s: %s: %s holds a secret or credentials: put it in the Secret", src.file, ref, k)
			}
		}
	}
}

// TestKustomization checks that `kubectl apply -k` applies every manifest but the Secret (whose
// placeholders would overwrite the real one) and rewrites the Deployment's image.
func TestKustomization(t *testing.T) {
	objs := readManifests(t)
	file, k := only[*kustomization](t, objs)
	listed := map[string]bool{}
	for _, r := range k.Resources {
		listed[filepath.Join("k8s", r)] = true
	}
	for f, o := range objs {
		_, secret := o.(*corev1.Secret)
		switch {
		case f == file:
		case secret && listed[f]:
			t.Errorf("%s: resources lists %s, whose placeholders would overwrite the real Secret", file, f)
		case !secret && !listed[f]:
			t.Errorf("%s: resources does not list %s: `kubectl apply -k` would leave it out", file, f)
		}
		delete(listed, f)
	}
	for r := range listed {
		t.Errorf("%s: resources lists %s, which is not a manifest under k8s/", file, r)
	}
	_, d := only[*appsv1.Deployment](t, objs)
	image := d.Spec.Template.Spec.Containers[0].Image
	if !slices.ContainsFunc(k.Images, func(i kustomizeImage) bool { return i.Name == image }) {
		t.Errorf("%s: images has no entry for %q, the Deployment's image", file, image)
	}
}
