package zendeskusers

import (
	_ "embed"

	"github.com/cohortdesk/cohort/connector/crm"
)

//go:embed mapping.yaml
var defaultMapping []byte

// DefaultMapping returns the mapping the source uses unless told otherwise:
// mapping.yaml in this package, which documents the source fields.
func DefaultMapping() *crm.Mapping {
	return crm.MustParseMapping("zendeskusers/mapping.yaml", defaultMapping)
}
