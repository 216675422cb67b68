package k8scheck

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/cloudtap/cloudtap/gosrc/internal/capture"
	"github.com/cloudtap/cloudtap/gosrc/internal/logwriter"
)

// Check finds what would only fail in a cluster: every problem, each
// naming its object.
func (o *Objects) Check() error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, w := range o.Workloads() {
		id := w.Kind + " " + w.Name
		if len(w.Selector) == 0 || !subset(w.Selector, w.Template.Labels) {
			fail("%s: its selector %v does not match its pod labels %v", id, w.Selector, w.Template.Labels)
		}
		var zeeks []*Container
		for i := range w.Template.Spec.Containers {
			c, err := o.resolve(w, &w.Template.Spec.Containers[i])
			if err != nil {
				errs = append(errs, err)
				continue
			}
			cid := id + " container " + c.Spec.Name
			for _, name := range c.Unresolved {
				fail("%s: $(%s) names no variable defined before it: the kubelet passes it as written", cid, name)
			}
			if err := checkProgram(w, c); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", cid, err))
			}
			if err := o.checkRedisURL(c); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", cid, err))
			}
			if len(c.Argv) > 0 && c.Argv[0] == "zeek" {
				zeeks = append(zeeks, c)
			}
		}
		if len(zeeks) > 0 {
			if err := checkZeekWorkers(w, zeeks); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", id, err))
			}
		}
		if p := w.Template.Annotations["prometheus.io/port"]; p != "" {
			if _, c := findPort(w.Template, intstr.Parse(p), corev1.ProtocolTCP); c == nil {
				fail("%s: prometheus.io/port %s is no TCP port of its containers", id, p)
			}
		}
		if w.Kind == "StatefulSet" && !slices.ContainsFunc(o.Services, func(s *corev1.Service) bool {
			return s.Name == named(o.StatefulSets, w.Name).Spec.ServiceName && s.Spec.ClusterIP == corev1.ClusterIPNone
		}) {
			fail("%s: no headless Service %q for it", id, named(o.StatefulSets, w.Name).Spec.ServiceName)
		}
	}
	for _, s := range o.Services {
		id := "Service " + s.Name
		ws := o.selected(s.Spec.Selector)
		if len(ws) == 0 {
			fail("%s: its selector %v matches no pod template", id, s.Spec.Selector)
		}
		for _, w := range ws {
			for _, p := range s.Spec.Ports {
				if _, c := findPort(w.Template, p.TargetPort, p.Protocol); c == nil {
					fail("%s: port %s targets %s/%s, which %s %s does not declare", id, p.Name, p.TargetPort.String(), p.Protocol, w.Kind, w.Name)
				}
			}
		}
	}
	for _, p := range o.PDBs {
		if len(o.selected(matchLabels(p.Spec.Selector))) == 0 {
			fail("PodDisruptionBudget %s: its selector matches no pod template", p.Name)
		}
	}
	return errors.Join(errs...)
}

// checkProgram checks what depends on the program a container runs: the
// paths and ports it serves against its probes, and its grace period
// against its shutdown bound.
func checkProgram(w Workload, c *Container) error {
	if len(c.Argv) == 0 {
		return errors.New("no command: the image's entrypoint is not known here")
	}
	var served map[string]bool // HTTP paths
	var port int               // the port they are served on
	grace := time.Duration(30) * time.Second
	if g := w.Template.Spec.TerminationGracePeriodSeconds; g != nil {
		grace = time.Duration(*g) * time.Second
	}
	switch prog := c.Argv[0]; {
	case prog == "zeek":
		served = map[string]bool{"/metrics": true}
		p, err := strconv.Atoi(c.Getenv("CLOUDTAP_METRICS_PORT"))
		if err != nil {
			return fmt.Errorf("CLOUDTAP_METRICS_PORT %q: want the port its site script gives Telemetry::metrics_port", c.Getenv("CLOUDTAP_METRICS_PORT"))
		}
		port = p
		if err := checkZeekScripts(c); err != nil {
			return err
		}
		if !zeekScriptsRead(c, "CLOUDTAP_METRICS_PORT") {
			return errors.New("no script on Zeek's command line reads CLOUDTAP_METRICS_PORT: its metrics port, and so its probes, would not be what the manifest says")
		}
		if u := c.Getenv("CLOUDTAP_REDIS_URL"); u != "" {
			cfg, err := logwriter.ParseConfig(u)
			if err != nil {
				return fmt.Errorf("CLOUDTAP_REDIS_URL: %w", err)
			}
			bound := cfg.CloseTimeout
			if cfg.Ship == logwriter.ShipEmbedded {
				bound += cfg.ShipCloseTimeout
			}
			if grace <= bound {
				return fmt.Errorf("terminationGracePeriodSeconds %v is not above the writer's shutdown bound %v: SIGKILL could lose records", grace, bound)
			}
		}
	case prog == "cloudtap" && len(c.Argv) > 1 && c.Argv[1] == "ship":
		served = map[string]bool{"/metrics": true, "/healthz": true}
		addr := flagValue(c.Argv, "--metrics")
		if _, ps, err := net.SplitHostPort(addr); err == nil {
			port, _ = strconv.Atoi(ps)
		}
		drain := 30 * time.Second
		if d := flagValue(c.Argv, "--drain-timeout"); d != "" {
			v, err := time.ParseDuration(d)
			if err != nil {
				return fmt.Errorf("--drain-timeout %q: %w", d, err)
			}
			drain = v
		}
		if grace <= drain {
			return fmt.Errorf("terminationGracePeriodSeconds %v is not above --drain-timeout %v", grace, drain)
		}
	case prog == "redis-server":
		port = 6379
		if p := flagValue(c.Argv, "--port"); p != "" {
			port, _ = strconv.Atoi(p)
		}
	}
	for _, probe := range []*corev1.Probe{c.Spec.ReadinessProbe, c.Spec.LivenessProbe, c.Spec.StartupProbe} {
		if probe == nil {
			continue
		}
		var target intstr.IntOrString
		switch {
		case probe.HTTPGet != nil:
			target = probe.HTTPGet.Port
			if !served[probe.HTTPGet.Path] {
				return fmt.Errorf("a probe asks for %s, which %s does not serve", probe.HTTPGet.Path, c.Argv[0])
			}
		case probe.TCPSocket != nil:
			target = probe.TCPSocket.Port
		default:
			continue
		}
		p := containerPort(c.Spec, target, corev1.ProtocolTCP)
		if p == nil {
			return fmt.Errorf("a probe's port %s is none of the container's TCP ports", target.String())
		}
		if int(p.ContainerPort) != port {
			return fmt.Errorf("a probe's port %s is %d, but %s listens on %d", target.String(), p.ContainerPort, c.Argv[0], port)
		}
	}
	return nil
}

// checkZeekScripts checks that the scripts on Zeek's command line are
// mounted.
func checkZeekScripts(c *Container) error {
	for _, a := range c.Argv[1:] {
		if strings.HasSuffix(a, ".zeek") && strings.HasPrefix(a, "/") &&
			!slices.ContainsFunc(c.Files, func(f File) bool { return f.Path == a }) {
			return fmt.Errorf("script %s is on Zeek's command line but no volume puts it there", a)
		}
	}
	return nil
}

// zeekScriptsRead says whether a mounted script on Zeek's command line
// mentions the environment variable name (as getenv("NAME")).
func zeekScriptsRead(c *Container, name string) bool {
	for _, f := range c.Files {
		if slices.Contains(c.Argv[1:], f.Path) && strings.Contains(string(f.Data), `getenv("`+name+`")`) {
			return true
		}
	}
	return false
}

// checkZeekWorkers checks the Zeeks of one pod against their specs: one
// spec, workers=N for N Zeeks numbered 0 to N-1, its UDP ports declared,
// and the capabilities a raw GRE socket needs.
func checkZeekWorkers(w Workload, zeeks []*Container) error {
	var first string
	seen := map[int]bool{}
	for _, c := range zeeks {
		spec := flagValue(c.Argv, "-i")
		if !strings.HasPrefix(spec, "cloudtap::") {
			return fmt.Errorf("container %s: -i %q is not a cloudtap:: source", c.Spec.Name, spec)
		}
		listeners, err := capture.ParseSpec(strings.TrimPrefix(spec, "cloudtap::"))
		if err != nil {
			return fmt.Errorf("container %s: %w", c.Spec.Name, err)
		}
		for _, l := range listeners {
			if l.Filter.Workers != len(zeeks) {
				return fmt.Errorf("container %s: workers=%d, but the pod runs %d Zeeks", c.Spec.Name, l.Filter.Workers, len(zeeks))
			}
			if seen[l.Filter.Worker] {
				return fmt.Errorf("container %s: worker=%d twice in the pod", c.Spec.Name, l.Filter.Worker)
			}
			seen[l.Filter.Worker] = true
			switch l.Kind {
			case capture.KindVXLAN, capture.KindGENEVE, capture.KindGREUDP:
				if _, pc := findPort(w.Template, intstr.FromInt32(int32(l.Addr.Port())), corev1.ProtocolUDP); pc == nil {
					return fmt.Errorf("container %s: its spec receives on UDP %d, which no container declares (a Service could not target it)", c.Spec.Name, l.Addr.Port())
				}
			case capture.KindGRE:
				if !hasCapability(c.Spec, "NET_RAW") || !runsAsRoot(w.Template, c.Spec) {
					return fmt.Errorf("container %s: a gre:// or erspan:// spec needs a raw socket: UID 0 with capability NET_RAW", c.Spec.Name)
				}
			}
		}
		// Every Zeek of the pod reads the same spec but for its worker=.
		without := strings.Replace(spec, fmt.Sprintf("&worker=%d", listeners[0].Filter.Worker), "", 1)
		if first == "" {
			first = without
		} else if without != first {
			return fmt.Errorf("container %s: spec %q, but the pod's first Zeek reads %q", c.Spec.Name, without, first)
		}
	}
	return nil
}

// checkRedisURL checks that a Redis host without a domain is a Service of
// these objects on that port.
func (o *Objects) checkRedisURL(c *Container) error {
	u := c.Getenv("CLOUDTAP_REDIS_URL")
	if u == "" {
		return nil
	}
	cfg, err := logwriter.ParseConfig(u)
	if err != nil {
		return fmt.Errorf("CLOUDTAP_REDIS_URL: %w", err)
	}
	host, ps, err := net.SplitHostPort(cfg.Redis.Addr)
	if err != nil || strings.Contains(host, ".") || net.ParseIP(host) != nil {
		return nil // outside the cluster, or a name this check cannot see
	}
	port, _ := strconv.Atoi(ps)
	for _, s := range o.Services {
		if s.Name == host {
			for _, p := range s.Spec.Ports {
				if int(p.Port) == port {
					return nil
				}
			}
			return fmt.Errorf("CLOUDTAP_REDIS_URL names Service %s port %d, which it does not have", host, port)
		}
	}
	return fmt.Errorf("CLOUDTAP_REDIS_URL names %s, which is no Service here", host)
}

func (o *Objects) selected(sel map[string]string) []Workload {
	var ws []Workload
	for _, w := range o.Workloads() {
		if len(sel) > 0 && subset(sel, w.Template.Labels) {
			ws = append(ws, w)
		}
	}
	return ws
}

func subset(sel, labels map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// findPort finds the container port a Service or annotation targets, by
// name or number, in any container of the pod (they share its network).
func findPort(t *corev1.PodTemplateSpec, target intstr.IntOrString, proto corev1.Protocol) (*corev1.ContainerPort, *corev1.Container) {
	for i := range t.Spec.Containers {
		if p := containerPort(&t.Spec.Containers[i], target, proto); p != nil {
			return p, &t.Spec.Containers[i]
		}
	}
	return nil, nil
}

func containerPort(c *corev1.Container, target intstr.IntOrString, proto corev1.Protocol) *corev1.ContainerPort {
	if proto == "" {
		proto = corev1.ProtocolTCP
	}
	for i := range c.Ports {
		p := &c.Ports[i]
		pp := p.Protocol
		if pp == "" {
			pp = corev1.ProtocolTCP
		}
		if pp != proto {
			continue
		}
		if (target.Type == intstr.String && target.StrVal == p.Name) || (target.Type == intstr.Int && target.IntVal == p.ContainerPort) {
			return p
		}
	}
	return nil
}

func hasCapability(c *corev1.Container, name corev1.Capability) bool {
	return c.SecurityContext != nil && c.SecurityContext.Capabilities != nil && slices.Contains(c.SecurityContext.Capabilities.Add, name)
}

func runsAsRoot(t *corev1.PodTemplateSpec, c *corev1.Container) bool {
	uid := int64(0) // the image's user is taken to be root when none is set
	if s := t.Spec.SecurityContext; s != nil && s.RunAsUser != nil {
		uid = *s.RunAsUser
	}
	if s := c.SecurityContext; s != nil && s.RunAsUser != nil {
		uid = *s.RunAsUser
	}
	return uid == 0
}

// flagValue is the word after flag in argv ("" if none).
func flagValue(argv []string, flag string) string {
	for i, a := range argv {
		if a == flag && i+1 < len(argv) {
			return argv[i+1]
		}
		if v, ok := strings.CutPrefix(a, flag+"="); ok {
			return v
		}
	}
	return ""
}
