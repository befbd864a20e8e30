package mcp

// DefaultToolsets lists every toolset the server offers; --apps and
// --read-only choose among them (an OffByDefault one only when --apps
// names it). One line per app file. The toolsets of
// optional backends (auth, index, jobs) are empty while env lacks them.
func DefaultToolsets(env *Env) []Toolset {
	return []Toolset{
		CoreToolset(env),
		ActivityToolset(env),
		AdminToolset(env),
		AnnouncementsToolset(env),
		SearchToolset(env),
		TalkToolset(env),
		NewsToolset(env),
		NotificationsToolset(env),
		CollectivesToolset(env),
		MailToolset(env),
		NotesToolset(env),
		FilesToolset(env),
		AuthToolset(env),
		CookbookToolset(env),
		UsersToolset(env),
		UserStatusToolset(env),
		FileExtrasToolset(env),
		SharingToolset(env),
		DeckToolset(env),
		BookmarksToolset(env),
		PollsToolset(env),
		FormsToolset(env),
		TeamsToolset(env),
		CalendarToolset(env),
		TasksToolset(env),
		ContactsToolset(env),
		TablesToolset(env),
		IndexToolset(env),
		JobsToolset(env),
	}
}
