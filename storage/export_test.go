package storage

// SetListMembersWalkedApart lets tests compare the two ways ListTimeline
// reads a list (one walk per member, or one walk over all statuses).
func SetListMembersWalkedApart(n int) (restore func()) {
	old := listMembersWalkedApart
	listMembersWalkedApart = n
	return func() { listMembersWalkedApart = old }
}
