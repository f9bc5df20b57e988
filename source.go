package cohort

// SourceRecord is one customer record as its source (a CRM, a CSV file, a
// push to cohort's API) has it, before mapping to a Customer.
type SourceRecord struct {
	// Ref says where the record came from, for reports: "customers.csv:12",
	// "contact 151", "Contact 003RO0000035WQgYAM".
	Ref string
	// Fields are the record's source fields by name, as text: numbers in
	// decimal, dates and times as the source writes them, multi-valued
	// fields joined by ";". A field of an associated record is named
	// "<relation>.<field>", e.g. "company.name" or "Account.Name". A field
	// the source left empty or null is "" or absent.
	Fields map[string]string
	// Deleted is true when the source reports the record gone (archived,
	// IsDeleted, a deleted user); the syncer removes the source's record
	// of the customer.
	Deleted bool
	// Problem, when not empty, rejects the record before mapping: the
	// source could not read it (a malformed CSV row, say). The syncer
	// reports it with Ref and goes on.
	Problem string
}

// PushResult says what a push of customer records to cohort's API did,
// record by record.
type PushResult struct {
	Inserted  int                `json:"inserted"`
	Updated   int                `json:"updated"`
	Unchanged int                `json:"unchanged"`
	Rejected  int                `json:"rejected"`
	Deleted   int                `json:"deleted"`
	Records   []PushRecordResult `json:"records"`
}

// PushRecordResult is the outcome of one pushed record.
type PushRecordResult struct {
	Index   int    `json:"index"`
	Outcome string `json:"outcome"` // inserted, updated, unchanged, rejected or deleted
	ID      int64  `json:"id,omitempty"`
	Field   string `json:"field,omitempty"`
	Reason  string `json:"reason,omitempty"`
}
