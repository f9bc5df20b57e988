package hubspot

import (
	_ "embed"

	"github.com/cohortdesk/cohort/connector/crm"
)

//go:embed mapping.yaml
var defaultMapping []byte

// DefaultMapping returns the mapping used when Config.Mapping is nil:
// mapping.yaml, compiled in. It reads the contact's id, email, names,
// signup_date, createdate, lifecyclestage and custom plan, arr, ltv,
// products and tech_level, and its primary company's name, plan, arr and
// industry.
func DefaultMapping() *crm.Mapping {
	return crm.MustParseMapping("hubspot/mapping.yaml", defaultMapping)
}
