package sandbox_test

import (
	"context"
	"fmt"
	"log"

	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
	"github.com/nukosuke/go-zendesk/zendesk"
)

func ExampleStart() {
	srv, err := sandbox.Start(sandbox.Config{Email: "admin@example.com", APIToken: "token"}, "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	c, _ := zendesk.NewClient(nil)
	c.SetEndpointURL(srv.URL() + "/api/v2")
	c.SetCredential(zendesk.NewAPITokenCredential("admin@example.com", "token"))

	ticket, err := c.CreateTicket(context.Background(), zendesk.Ticket{
		Subject:   "Printer on fire",
		Requester: &zendesk.Requester{Name: "Ada Lovelace", Email: "ada@example.com"},
		Comment:   &zendesk.TicketComment{Body: "It is on fire."},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ticket.ID, ticket.Status, ticket.Via.Channel)
	// Output: 1 new api
}
