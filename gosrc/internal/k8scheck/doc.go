// Package k8scheck proves what can be proved of deploy/kubernetes without
// a cluster: each overlay is rendered by kustomize's own library
// (sigs.k8s.io/kustomize/api/krusty, what `kubectl kustomize` runs),
// every object is decoded strictly into its k8s.io/api type, refusing
// unknown fields, and the cross-references a cluster would only show at
// run time are checked: selectors against pod labels, Service and probe
// ports against container ports, each Zeek spec against the ports, the
// workers and the capabilities it needs, every ConfigMap and Secret key
// referenced, every $(VAR) defined, probes against the paths the program
// serves, and grace periods against the shutdown bounds.
//
// Resolve gives a container's command line and environment as the
// kubelet would run them, for the rehearsal (tests/cloudtap/k8s-rehearsal.sh,
// through gosrc/internal/cmd/k8s-pod).
package k8scheck
