package store

// TicketFactPage is ticketFactPage, for tests that read past a page.
const TicketFactPage = ticketFactPage
