// Command k8s-pod writes down one container of a rendered kustomization
// as the kubelet would start it, for tests/Scripts/k8s-run, which runs it
// as a process in a network namespace (the rehearsal of
// tests/cloudtap/k8s-rehearsal.sh):
//
//	k8s-pod KUSTOMIZATION-DIR WORKLOAD CONTAINER OUT-DIR
//
// OUT-DIR gets argv and env (NUL-separated, every $(VAR) expanded and
// every ConfigMap and Secret key read), files/ (what its ConfigMap and
// Secret volumes put at their mount paths), mounts (every mount path and
// the working directory, a line each), workdir, user ("UID GID" of its security
// context, 0 0 when it sets none) and caps (capabilities it adds, one a
// line). The overlay is checked first (k8scheck): a pod the check
// refuses is not rehearsed.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cloudtap/cloudtap/gosrc/internal/k8scheck"
)

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: k8s-pod KUSTOMIZATION-DIR WORKLOAD CONTAINER OUT-DIR")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3], os.Args[4]); err != nil {
		fmt.Fprintln(os.Stderr, "k8s-pod:", err)
		os.Exit(1)
	}
}

func run(dir, workload, container, out string) error {
	objs, err := k8scheck.Render(dir)
	if err != nil {
		return err
	}
	if err := objs.Check(); err != nil {
		return fmt.Errorf("%s does not pass the check:\n%w", dir, err)
	}
	c, err := objs.Resolve(workload, container)
	if err != nil {
		return err
	}
	var env []string
	for _, e := range c.Env {
		env = append(env, e.Name+"="+e.Value)
	}
	mounts := []string{}
	for _, m := range c.Spec.VolumeMounts {
		mounts = append(mounts, m.MountPath)
	}
	workdir := c.Spec.WorkingDir
	if workdir != "" {
		mounts = append(mounts, workdir) // a directory of the container's own
	} else {
		workdir = "/"
	}
	uid, gid := objs.User(workload, container)
	var caps []string
	if sc := c.Spec.SecurityContext; sc != nil && sc.Capabilities != nil {
		for _, cp := range sc.Capabilities.Add {
			caps = append(caps, string(cp)+"\n")
		}
	}
	writes := map[string]string{
		"argv":    strings.Join(c.Argv, "\x00") + "\x00",
		"env":     strings.Join(env, "\x00") + "\x00",
		"mounts":  strings.Join(mounts, "\n") + "\n",
		"user":    strconv.FormatInt(uid, 10) + " " + strconv.FormatInt(gid, 10) + "\n",
		"caps":    strings.Join(caps, ""),
		"workdir": workdir + "\n",
	}
	if len(env) == 0 {
		writes["env"] = ""
	}
	for name, data := range writes {
		if err := writeFile(filepath.Join(out, name), []byte(data)); err != nil {
			return err
		}
	}
	for _, f := range c.Files {
		if err := writeFile(filepath.Join(out, "files", f.Path), f.Data); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
