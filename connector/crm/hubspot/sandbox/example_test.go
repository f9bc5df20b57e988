package sandbox_test

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"

	"github.com/cohortdesk/cohort/connector/crm/hubspot/sandbox"
)

func ExampleStart() {
	srv, err := sandbox.Start(sandbox.Config{Token: "pat-na1-example"}, "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	contact := srv.CreateContact(sandbox.Props{"email": "ada@example.com", "firstname": "Ada"})
	acme := srv.CreateCompany(sandbox.Props{"name": "Acme"})
	if err := srv.Associate(contact, acme, true); err != nil {
		log.Fatal(err)
	}

	req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/crm/v3/objects/contacts?properties=email&associations=companies", nil)
	req.Header.Set("Authorization", "Bearer pat-na1-example")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Results []struct {
			ID           string
			Properties   map[string]string
			Associations map[string]struct{ Results []struct{ ID, Type string } }
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		log.Fatal(err)
	}
	c := page.Results[0]
	fmt.Println(resp.StatusCode, c.ID, c.Properties["email"], c.Associations["companies"].Results[0])
	// Output: 200 57156923001 ada@example.com {21473412001 contact_to_company}
}
