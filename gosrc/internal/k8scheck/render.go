package k8scheck

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// Objects are the rendered objects of one overlay, by kind.
type Objects struct {
	Namespaces   []*corev1.Namespace
	Deployments  []*appsv1.Deployment
	StatefulSets []*appsv1.StatefulSet
	Services     []*corev1.Service
	ConfigMaps   []*corev1.ConfigMap
	Secrets      []*corev1.Secret
	PDBs         []*policyv1.PodDisruptionBudget
}

// Render builds the kustomization in dir, as `kubectl kustomize dir`
// does, and decodes every object strictly.
func Render(dir string) (*Objects, error) {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
	}
	objs := &Objects{}
	for _, r := range m.Resources() {
		y, err := r.AsYAML()
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", dir, r.CurId(), err)
		}
		if err := objs.add(y); err != nil {
			return nil, fmt.Errorf("%s: %w", dir, err)
		}
	}
	return objs, nil
}

// Decode reads one object's YAML strictly into its k8s.io/api type: an
// unknown field, a wrong type or an unknown apiVersion/kind is an error.
func Decode(y []byte) (*Objects, error) {
	objs := &Objects{}
	return objs, objs.add(y)
}

func (o *Objects) add(y []byte) error {
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := yaml.Unmarshal(y, &head); err != nil {
		return err
	}
	id := head.APIVersion + " " + head.Kind + " " + head.Metadata.Name
	strict := func(v any) error {
		if err := yaml.UnmarshalStrict(y, v); err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
		return nil
	}
	switch head.APIVersion + " " + head.Kind {
	case "v1 Namespace":
		return decodeInto(&o.Namespaces, strict)
	case "apps/v1 Deployment":
		return decodeInto(&o.Deployments, strict)
	case "apps/v1 StatefulSet":
		return decodeInto(&o.StatefulSets, strict)
	case "v1 Service":
		return decodeInto(&o.Services, strict)
	case "v1 ConfigMap":
		return decodeInto(&o.ConfigMaps, strict)
	case "v1 Secret":
		return decodeInto(&o.Secrets, strict)
	case "policy/v1 PodDisruptionBudget":
		return decodeInto(&o.PDBs, strict)
	}
	return fmt.Errorf("%s: a kind this project does not deploy (add it to k8scheck)", id)
}

// decodeInto decodes one object of type T and keeps it in list.
func decodeInto[T any](list *[]*T, strict func(any) error) error {
	v := new(T)
	*list = append(*list, v)
	return strict(v)
}

// Workload is a Deployment's or StatefulSet's pod template, named.
type Workload struct {
	Kind, Name string
	Selector   map[string]string // matchLabels
	Template   *corev1.PodTemplateSpec
}

// Workloads lists the pod templates of every Deployment and StatefulSet.
func (o *Objects) Workloads() []Workload {
	var ws []Workload
	for _, d := range o.Deployments {
		ws = append(ws, Workload{"Deployment", d.Name, matchLabels(d.Spec.Selector), &d.Spec.Template})
	}
	for _, s := range o.StatefulSets {
		ws = append(ws, Workload{"StatefulSet", s.Name, matchLabels(s.Spec.Selector), &s.Spec.Template})
	}
	return ws
}
