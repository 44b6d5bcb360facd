// Package v1 is a fixture in the shape of k8s.io/api/core/v1.
package v1

// PullPolicy describes a policy for if/when to pull a container image
// +enum
type PullPolicy string

const (
	PullAlways       PullPolicy = "Always"
	PullNever        PullPolicy = "Never"
	PullIfNotPresent PullPolicy = "IfNotPresent"
)

// Protocol is not marked +enum, so its fields get no enum.
type Protocol string

const ProtocolTCP Protocol = "TCP"

// Container is a fixture.
type Container struct {
	Name            string       `json:"name"`
	ImagePullPolicy PullPolicy   `json:"imagePullPolicy,omitempty"`
	Policies        []PullPolicy `json:"policies,omitempty"`
	Optional        *PullPolicy  `json:"optional,omitempty"`
	Protocol        Protocol     `json:"protocol,omitempty"`
}
