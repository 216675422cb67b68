package k8scheck

import (
	"fmt"
	"path"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Container is one container as the kubelet would start it: its command
// line and environment with every $(VAR) expanded and every ConfigMap
// and Secret reference read, and the files its ConfigMap and Secret
// volumes put at their mount paths.
type Container struct {
	Workload   string
	Spec       *corev1.Container
	Argv       []string
	Env        []EnvVar // in order
	Files      []File
	Unresolved []string // $(VAR)s that name no variable: the kubelet leaves them as written
}

// EnvVar is one resolved environment variable.
type EnvVar struct{ Name, Value string }

// File is one file a volume mount makes.
type File struct {
	Path string // in the container
	Data []byte
}

// Getenv is the value of the resolved variable name, or "".
func (c *Container) Getenv(name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

// Resolve reads the named container of the named workload.
func (o *Objects) Resolve(workload, container string) (*Container, error) {
	for _, w := range o.Workloads() {
		if w.Name != workload {
			continue
		}
		for i := range w.Template.Spec.Containers {
			if c := &w.Template.Spec.Containers[i]; c.Name == container {
				return o.resolve(w, c)
			}
		}
		return nil, fmt.Errorf("%s %s has no container %q", w.Kind, workload, container)
	}
	return nil, fmt.Errorf("no workload %q", workload)
}

func (o *Objects) resolve(w Workload, c *corev1.Container) (*Container, error) {
	rc := &Container{Workload: w.Name, Spec: c}
	vars := map[string]string{}
	for _, e := range c.Env {
		var v string
		switch {
		case e.ValueFrom == nil:
			v = rc.expand(e.Value, vars)
		case e.ValueFrom.ConfigMapKeyRef != nil:
			r := e.ValueFrom.ConfigMapKeyRef
			s, err := o.configMapKey(r.Name, r.Key)
			if err != nil {
				return nil, fmt.Errorf("%s/%s env %s: %w", w.Name, c.Name, e.Name, err)
			}
			v = s
		case e.ValueFrom.SecretKeyRef != nil:
			r := e.ValueFrom.SecretKeyRef
			s, err := o.secretKey(r.Name, r.Key)
			if err != nil {
				return nil, fmt.Errorf("%s/%s env %s: %w", w.Name, c.Name, e.Name, err)
			}
			v = s
		default:
			return nil, fmt.Errorf("%s/%s env %s: only values, ConfigMap and Secret keys are read here", w.Name, c.Name, e.Name)
		}
		vars[e.Name] = v
		rc.Env = append(rc.Env, EnvVar{e.Name, v})
	}
	for _, a := range append(append([]string{}, c.Command...), c.Args...) {
		rc.Argv = append(rc.Argv, rc.expand(a, vars))
	}
	for _, m := range c.VolumeMounts {
		files, err := o.volumeFiles(w, m.Name)
		if err != nil {
			return nil, fmt.Errorf("%s/%s mount %s: %w", w.Name, c.Name, m.MountPath, err)
		}
		for _, f := range files {
			rc.Files = append(rc.Files, File{path.Join(m.MountPath, m.SubPath, f.Path), f.Data})
		}
	}
	return rc, nil
}

// expand does the kubelet's $(VAR) expansion: $(NAME) of a variable
// defined before it, $$ for $; anything else stays as written.
func (rc *Container) expand(s string, vars map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
			continue
		case '(':
			if end := strings.IndexByte(s[i+2:], ')'); end >= 0 {
				name := s[i+2 : i+2+end]
				if v, ok := vars[name]; ok {
					b.WriteString(v)
				} else {
					rc.Unresolved = append(rc.Unresolved, name)
					b.WriteString(s[i : i+3+end])
				}
				i += 2 + end
				continue
			}
		}
		b.WriteByte('$')
	}
	return b.String()
}

func (o *Objects) configMapKey(name, key string) (string, error) {
	cm := named(o.ConfigMaps, name)
	if cm == nil {
		return "", fmt.Errorf("no ConfigMap %s", name)
	}
	if v, ok := cm.Data[key]; ok {
		return v, nil
	}
	return "", fmt.Errorf("ConfigMap %s has no key %q", name, key)
}

func (o *Objects) secretKey(name, key string) (string, error) {
	s := named(o.Secrets, name)
	if s == nil {
		return "", fmt.Errorf("no Secret %s", name)
	}
	if v, ok := s.Data[key]; ok {
		return string(v), nil
	}
	if v, ok := s.StringData[key]; ok {
		return v, nil
	}
	return "", fmt.Errorf("Secret %s has no key %q", name, key)
}

// volumeFiles is what the pod's volume name holds, as files relative to
// its mount point; emptyDir and persistent volumes hold none.
func (o *Objects) volumeFiles(w Workload, name string) ([]File, error) {
	var vol *corev1.Volume
	for i := range w.Template.Spec.Volumes {
		if w.Template.Spec.Volumes[i].Name == name {
			vol = &w.Template.Spec.Volumes[i]
		}
	}
	if vol == nil {
		if w.Kind == "StatefulSet" && o.claimTemplate(w.Name, name) {
			return nil, nil
		}
		return nil, fmt.Errorf("no volume %q in the pod", name)
	}
	var data map[string][]byte
	switch {
	case vol.ConfigMap != nil:
		cm := named(o.ConfigMaps, vol.ConfigMap.Name)
		if cm == nil {
			return nil, fmt.Errorf("no ConfigMap %s", vol.ConfigMap.Name)
		}
		data = map[string][]byte{}
		for k, v := range cm.Data {
			data[k] = []byte(v)
		}
	case vol.Secret != nil:
		s := named(o.Secrets, vol.Secret.SecretName)
		if s == nil {
			return nil, fmt.Errorf("no Secret %s", vol.Secret.SecretName)
		}
		data = s.Data
	default:
		return nil, nil
	}
	var files []File
	for k, v := range data {
		files = append(files, File{k, v})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}

// named is the object of list called name, or nil.
func named[T metav1.Object](list []T, name string) T {
	for _, v := range list {
		if v.GetName() == name {
			return v
		}
	}
	var none T
	return none
}

func (o *Objects) claimTemplate(statefulSet, name string) bool {
	for _, s := range o.StatefulSets {
		if s.Name == statefulSet {
			for _, t := range s.Spec.VolumeClaimTemplates {
				if t.Name == name {
					return true
				}
			}
		}
	}
	return false
}

func matchLabels(s *metav1.LabelSelector) map[string]string {
	if s == nil {
		return nil
	}
	return s.MatchLabels
}

// User is the UID and GID the container runs as: its security context's,
// else the pod's, else 0 (an image's own USER is not known here).
func (o *Objects) User(workload, container string) (uid, gid int64) {
	for _, w := range o.Workloads() {
		if w.Name != workload {
			continue
		}
		if s := w.Template.Spec.SecurityContext; s != nil {
			if s.RunAsUser != nil {
				uid = *s.RunAsUser
			}
			if s.RunAsGroup != nil {
				gid = *s.RunAsGroup
			}
		}
		for _, c := range w.Template.Spec.Containers {
			if s := c.SecurityContext; c.Name == container && s != nil {
				if s.RunAsUser != nil {
					uid = *s.RunAsUser
				}
				if s.RunAsGroup != nil {
					gid = *s.RunAsGroup
				}
			}
		}
	}
	return uid, gid
}
