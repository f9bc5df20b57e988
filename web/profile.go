package web

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cohortdesk/cohort"
)

// CustomerProfiles reads a customer with each source's record of it.
type CustomerProfiles interface {
	CustomerProfile(ctx context.Context, q cohort.CustomerQuery) (cohort.CustomerProfile, error)
}

// customerProfile is GET /api/v1/customers?email=…|external_id=… (behind
// the admin token): the merged customer the rules see, which source each
// field came from, and every source's record, first the most trusted
// (COHORT_SOURCE_PRECEDENCE).
//
//	{"customer": {"id": 7, "email": "ana@acme.example", "plan": "enterprise", …},
//	 "deleted": false,
//	 "sources": {"plan": "csv", "signup_date": "csv", "attrs.region": "hubspot", …},
//	 "records": [{"source": "csv", "deleted": false, "plan": "enterprise", "arr": 240000, …}, …]}
func (s *Server) customerProfile(c *gin.Context) {
	q := cohort.CustomerQuery{Email: c.Query("email"), ExternalID: c.Query("external_id")}
	if q.Email == "" && q.ExternalID == "" {
		s.fail(c, problem(cohort.KindInvalid, "name the customer: ?email=… or ?external_id=…"))
		return
	}
	p, err := s.cfg.Profiles.CustomerProfile(c.Request.Context(), q)
	if err != nil {
		s.fail(c, err)
		return
	}
	records := make([]gin.H, len(p.Records))
	for i, r := range p.Records {
		fields := customerFields(&r.Customer)
		delete(fields, "id")
		if !r.HasARR {
			fields["arr"] = nil
		}
		if !r.HasLTV {
			fields["ltv"] = nil
		}
		fields["source"], fields["deleted"], fields["updated_at"] = r.Source, r.Deleted, r.UpdatedAt.Format(time.RFC3339)
		records[i] = fields
	}
	c.JSON(http.StatusOK, gin.H{"customer": customerFields(&p.Customer), "deleted": p.Deleted, "sources": p.Sources, "records": records})
}

// customerFields are a customer's fields named as segment rules name them.
func customerFields(c *cohort.Customer) gin.H {
	signup := ""
	if !c.SignupDate.IsZero() {
		signup = c.SignupDate.Format(time.DateOnly)
	}
	return gin.H{"id": c.ID, "email": c.Email, "external_id": c.ExternalID, "name": c.Name, "organization": c.Organization,
		"plan": c.Plan, "arr": c.ARR, "ltv": c.LTV, "signup_date": signup, "products": nonNil(c.Products),
		"tech_level": c.TechLevel, "attrs": c.Attrs}
}
