package k8scheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const manifests = "../../../deploy/kubernetes"

func overlays(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(manifests, "overlays", "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no overlays under %s: %v", manifests, err)
	}
	return append([]string{filepath.Join(manifests, "base")}, dirs...)
}

func TestEveryOverlayRendersDecodesStrictlyAndChecks(t *testing.T) {
	for _, dir := range overlays(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			objs, err := Render(dir)
			if err != nil {
				t.Fatal(err)
			}
			if err := objs.Check(); err != nil {
				t.Fatalf("%s:\n%v", dir, err)
			}
			if len(objs.Deployments) == 0 || len(objs.Secrets) == 0 || len(objs.ConfigMaps) == 0 {
				t.Fatalf("%s rendered too little: %d Deployments, %d Secrets, %d ConfigMaps", dir, len(objs.Deployments), len(objs.Secrets), len(objs.ConfigMaps))
			}
		})
	}
}

// What each overlay is for shows in what it renders.
func TestOverlaysDoWhatTheySay(t *testing.T) {
	spec := func(objs *Objects) string {
		c, err := objs.Resolve("cloudtap-sensor", "zeek-1")
		if err != nil {
			t.Fatal(err)
		}
		return flagValue(c.Argv, "-i")
	}
	for name, want := range map[string]func(*Objects) string{
		"aws-vxlan": func(o *Objects) string {
			if !strings.Contains(spec(o), "vxlan://:4789?workers=2&allow=10.0.0.0/8&worker=1") {
				return "the VXLAN spec with allow=: " + spec(o)
			}
			if o.Services[0].Annotations["service.beta.kubernetes.io/aws-load-balancer-nlb-target-type"] != "ip" {
				return "an NLB with IP targets"
			}
			return ""
		},
		"gcp-geneve": func(o *Objects) string {
			if !strings.HasPrefix(spec(o), "cloudtap::geneve://:6081") {
				return "a GENEVE spec: " + spec(o)
			}
			return ""
		},
		"erspan": func(o *Objects) string {
			d := o.Deployments[0].Spec.Template.Spec
			if !d.HostNetwork || len(o.Services) != 1 { // only Redis's
				return "host network and no sensor Service"
			}
			return ""
		},
		"external-redis": func(o *Objects) string {
			c, err := o.Resolve("cloudtap-shipper", "ship")
			if err != nil {
				return err.Error()
			}
			if len(o.StatefulSets) != 0 || !strings.HasPrefix(c.Getenv("CLOUDTAP_REDIS_URL"), "rediss://") {
				return "no Redis of its own, the URL from the Secret"
			}
			return ""
		},
	} {
		objs, err := Render(filepath.Join(manifests, "overlays", name))
		if err != nil {
			t.Fatal(err)
		}
		if missing := want(objs); missing != "" {
			t.Errorf("overlay %s: want %s", name, missing)
		}
	}
}

func TestResolveExpandsAsTheKubeletDoes(t *testing.T) {
	objs, err := Render(filepath.Join(manifests, "base"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := objs.Resolve("cloudtap-sensor", "zeek-0")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(c.Argv, " "), "zeek -C -i cloudtap::vxlan://:4789?workers=2&worker=0 /etc/cloudtap/zeek/local.zeek"; got != want {
		t.Errorf("argv %q, want %q", got, want)
	}
	if got := c.Getenv("CLOUDTAP_REDIS_URL"); !strings.HasPrefix(got, "redis://:CHANGE-ME@cloudtap-redis:6379/0?") {
		t.Errorf("CLOUDTAP_REDIS_URL %q: the Secret's password not put in", got)
	}
	if len(c.Files) != 1 || c.Files[0].Path != "/etc/cloudtap/zeek/local.zeek" || !strings.Contains(string(c.Files[0].Data), "CloudTap/logs-to-redis") {
		t.Errorf("mounted files %v, want the ConfigMap's local.zeek", c.Files)
	}
}

// Each mistake a cluster would only show at run time is found, naming
// what is wrong. The base is copied and one file changed.
func TestCheckFindsEachMistake(t *testing.T) {
	for _, tc := range []struct {
		name, file, old, new, want string
	}{
		{"an unknown field", "shipper.yaml", "terminationGracePeriodSeconds: 45", "terminationGracePeriodSeconds: 45\n      terminationGracePeriod: 45", `Deployment cloudtap-shipper: error unmarshaling JSON: while decoding JSON: json: unknown field "terminationGracePeriod"`},
		{"a selector that misses", "sensor-service.yaml", "app.kubernetes.io/name: cloudtap-sensor", "app.kubernetes.io/name: cloudtap-sensors", "matches no pod template"},
		{"a Secret key that is not there", "shipper.yaml", "key: elasticsearch-url", "key: elasticsearch-uri", `has no key "elasticsearch-uri"`},
		{"a spec on another port", "kustomization.yaml", "spec=vxlan://:4789?workers=2", "spec=vxlan://:4790?workers=2", "receives on UDP 4790, which no container declares"},
		{"workers that are not the pod's Zeeks", "kustomization.yaml", "spec=vxlan://:4789?workers=2", "spec=vxlan://:4789?workers=3", "workers=3, but the pod runs 2 Zeeks"},
		{"a raw socket without NET_RAW", "kustomization.yaml", "spec=vxlan://:4789?workers=2", "spec=gre://?workers=2", "needs a raw socket"},
		{"a probe on a path not served", "shipper.yaml", "path: /healthz", "path: /health", "asks for /health, which cloudtap does not serve"},
		{"a probe on another port", "sensor.yaml", `value: "9912"`, `value: "9913"`, "is 9912, but zeek listens on 9913"},
		{"an undefined variable", "shipper.yaml", "@cloudtap-redis:6379/0", "@$(REDIS_HOST):6379/0", "$(REDIS_HOST) names no variable"},
		{"a grace period below the shutdown bound", "sensor.yaml", "terminationGracePeriodSeconds: 30", "terminationGracePeriodSeconds: 5", "not above the writer's shutdown bound 5s"},
		{"a Redis host that is no Service", "sensor.yaml", "@cloudtap-redis:6379/0?protect-group=cloudtap&maxlen=2000000\n            - name: CLOUDTAP_METRICS_PORT\n              value: \"9911\"", "@redis:6379/0?protect-group=cloudtap&maxlen=2000000\n            - name: CLOUDTAP_METRICS_PORT\n              value: \"9911\"", "names redis, which is no Service here"},
		{"a bad writer option", "shipper.yaml", "maxlen=2000000", "maxlen=lots", "maxlen"},
		{"a site script that ignores the metrics port", "local.zeek", `getenv("CLOUDTAP_METRICS_PORT")`, `"9911"`, "no script on Zeek's command line reads CLOUDTAP_METRICS_PORT"},
		{"a script not mounted", "sensor.yaml", `"/etc/cloudtap/zeek/local.zeek"]`, `"/etc/cloudtap/zeek/site.zeek"]`, "script /etc/cloudtap/zeek/site.zeek is on Zeek's command line but no volume puts it there"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyBase(t)
			p := filepath.Join(dir, tc.file)
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), tc.old) {
				t.Fatalf("%s holds no %q", tc.file, tc.old)
			}
			if err := os.WriteFile(p, []byte(strings.Replace(string(b), tc.old, tc.new, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			objs, err := Render(dir)
			if err == nil {
				err = objs.Check()
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func copyBase(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(filepath.Join(manifests, "base"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(manifests, "base", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
