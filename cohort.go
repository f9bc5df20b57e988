// Package cohort holds the domain of a segment-aware support layer: the
// customers a CRM knows, the tickets a helpdesk receives, the segments that
// sort one into the other, and the decision and ticket update that follow.
//
// It imports only the standard library and no other package of this module.
// Everything that talks to the world (the helpdesk, the CRM, the database,
// HTTP) lives in a package of its own that imports this one; see DESIGN.md.
package cohort
