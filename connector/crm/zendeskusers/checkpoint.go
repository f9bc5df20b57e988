package zendeskusers

import (
	"encoding/json"
	"fmt"
)

// checkpointVersion is the version of the checkpoint format.
const checkpointVersion = 1

// checkpoint is where a read stands, as JSON:
//
//	{"v":1,"user_cursor":"…","org_time":1767225600,"org_seen":[360000001]}
//
// user_cursor is the user export's after_cursor; org_time and org_seen say
// which organization changes are done (see orgMark).
type checkpoint struct {
	Version    int    `json:"v"`
	UserCursor string `json:"user_cursor"`
	orgMark
}

func (c checkpoint) String() string {
	c.Version = checkpointVersion
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // strings and numbers always marshal
	}
	return string(b)
}

func parseCheckpoint(s string) (checkpoint, error) {
	var c checkpoint
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return c, fmt.Errorf("zendeskusers: checkpoint %q is not this source's: %v", s, err)
	}
	if c.Version != checkpointVersion {
		return c, fmt.Errorf("zendeskusers: checkpoint version %d, want %d; run a full read", c.Version, checkpointVersion)
	}
	return c, nil
}
