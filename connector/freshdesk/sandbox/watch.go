package sandbox

// WatchTag returns a channel that receives the id of each ticket that gains
// tag from then on (by a create, an update or a bulk update), and a
// function that stops the watch. The channel holds 100,000 ids; a watcher
// that falls further behind misses ids.
func (s *Server) WatchTag(tag string) (<-chan int64, func()) {
	return s.tagWatch.Watch(tag)
}

// tagsAdded tells the watchers of the tags that after has and before (nil
// for a new ticket) had not.
func (s *Server) tagsAdded(before, after *Ticket) {
	var had []string
	if before != nil {
		had = before.Tags
	}
	s.tagWatch.TagsAdded(after.ID, had, after.Tags)
}
