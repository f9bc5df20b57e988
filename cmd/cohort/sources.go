package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/cohortdesk/cohort/connector/crm"
	"github.com/cohortdesk/cohort/connector/crm/csv"
	"github.com/cohortdesk/cohort/connector/crm/hubspot"
	"github.com/cohortdesk/cohort/connector/crm/salesforce"
	"github.com/cohortdesk/cohort/connector/crm/zendeskusers"
	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/playbook"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/syncer/crmsync"
	"github.com/cohortdesk/cohort/syncer/metricsync"
	"github.com/cohortdesk/cohort/syncer/resegment"
	"github.com/cohortdesk/cohort/telemetry"
)

// syncParts are the syncer's pieces that cfg turns on: its CRM sources, in
// a fixed order, and the segment write-back. A source is on when its
// location or credentials are set.
type syncParts struct {
	sources []crmsync.Source
	writer  resegment.Writer        // nil unless COHORT_ZENDESK_SEGMENT_FIELD is set
	tickets metricsync.TicketSource // the helpdesk's ticket history; nil without a Zendesk account
	// macros syncs the macro files to Zendesk; nil unless
	// COHORT_MACROS_SCHEDULE is set.
	macros    func(ctx context.Context) (string, error)
	zendesk   *zendesk.Client    // made here when nobody passed one; closed by close
	telemetry *telemetry.Metrics // the process's, or nil: the syncer's runs are not counted
}

// close releases what newSyncParts opened.
func (p *syncParts) close() {
	if p.zendesk != nil {
		p.zendesk.Close()
	}
}

// newSyncParts builds the sources and write-back cfg asks for. zc is the
// process's Zendesk client, or nil to make one if a part needs it; book is
// the process's playbook, whose macros the macro task syncs; tm the
// process's metrics, or nil.
func newSyncParts(ctx context.Context, cfg Config, db *store.DB, zc *zendesk.Client, book *playbook.Provider, tm *telemetry.Metrics, logger *slog.Logger) (*syncParts, error) {
	p := &syncParts{telemetry: tm}
	add := func(src crm.Source, m *crm.Mapping) {
		p.sources = append(p.sources, crmsync.Source{Source: src, Mapping: m})
	}
	zendeskClient := func() (*zendesk.Client, error) {
		if zc != nil {
			return zc, nil
		}
		if err := cfg.requireZendesk(false); err != nil {
			return nil, err
		}
		c, err := newZendeskClient(ctx, cfg, db, zendeskHooks(tm), logger)
		if err != nil {
			return nil, err
		}
		zc, p.zendesk = c, c
		return c, nil
	}
	fail := func(err error) (*syncParts, error) {
		p.close()
		return nil, err
	}
	if cfg.CSVSource != "" {
		m, err := mappingOr(cfg.CSVMapping, "COHORT_CSV_MAPPING", csv.DefaultMapping)
		if err != nil {
			return fail(err)
		}
		src, err := csv.NewSource("csv", cfg.CSVSource, m, nil)
		if err != nil {
			return fail(configError(fmt.Errorf("COHORT_CSV_SOURCE: %w", err)))
		}
		add(src, m)
	}
	if cfg.HubSpotToken != "" {
		m, err := mappingOr(cfg.HubSpotMapping, "COHORT_HUBSPOT_MAPPING", hubspot.DefaultMapping)
		if err != nil {
			return fail(err)
		}
		src, err := hubspot.New(hubspot.Config{URL: cfg.HubSpotURL, Token: cfg.HubSpotToken, Mapping: m, Logger: logger})
		if err != nil {
			return fail(configError(fmt.Errorf("COHORT_HUBSPOT_*: %w", err)))
		}
		add(src, m)
	}
	if cfg.SalesforceURL != "" || cfg.SalesforceClientID != "" {
		m, err := mappingOr(cfg.SalesforceMapping, "COHORT_SALESFORCE_MAPPING", salesforce.DefaultMapping)
		if err != nil {
			return fail(err)
		}
		src, err := salesforce.New(salesforce.Config{
			InstanceURL: cfg.SalesforceURL, AccessToken: cfg.SalesforceAccessToken, LoginURL: cfg.SalesforceLoginURL,
			ClientID: cfg.SalesforceClientID, ClientSecret: cfg.SalesforceClientSecret,
			RefreshToken: cfg.SalesforceRefreshToken, APIVersion: cfg.SalesforceAPIVersion, Mapping: m, Logger: logger,
		})
		if err != nil {
			return fail(configError(fmt.Errorf("COHORT_SALESFORCE_*: %w", err)))
		}
		add(src, m)
	}
	if cfg.ZendeskSyncUsers {
		m, err := mappingOr(cfg.ZendeskUsersMapping, "COHORT_ZENDESK_USERS_MAPPING", zendeskusers.DefaultMapping)
		if err != nil {
			return fail(err)
		}
		zc, err := zendeskClient()
		if err != nil {
			return fail(configError(fmt.Errorf("COHORT_ZENDESK_SYNC_USERS: %w", err)))
		}
		src, err := zendeskusers.New(zendeskusers.Config{Client: zc, Mapping: m})
		if err != nil {
			return fail(configError(fmt.Errorf("COHORT_ZENDESK_SYNC_USERS: %w", err)))
		}
		add(src, m)
	}
	if cfg.requireZendesk(false) == nil {
		zc, err := zendeskClient()
		if err != nil {
			return fail(err)
		}
		p.tickets = zendesk.TicketHistory{Client: zc}
		if cfg.MacrosSchedule != "" {
			p.macros = macroSyncer(db, zc, book, logger)
		}
	}
	if cfg.ZendeskSegmentField != "" {
		zc, err := zendeskClient()
		if err != nil {
			return fail(configError(fmt.Errorf("COHORT_ZENDESK_SEGMENT_FIELD: %w", err)))
		}
		p.writer = &zendeskSegmentWriter{client: zc, field: cfg.ZendeskSegmentField}
	}
	return p, nil
}

// mappingOr loads the mapping file at path, named by variable in errors,
// or returns the source's default when path is empty.
func mappingOr(path, variable string, def func() *crm.Mapping) (*crm.Mapping, error) {
	if path == "" {
		return def(), nil
	}
	m, err := crm.LoadMapping(path)
	if err != nil {
		return nil, configError(fmt.Errorf("%s: %w", variable, err))
	}
	return m, nil
}
