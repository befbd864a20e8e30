package nextcloud

// AppInfo is an app's identity, written once: the sub-client's App is
// built from it and the MCP toolset of the app names it, so the id that
// detection reads and the words of "app not enabled" cannot drift apart.
type AppInfo struct {
	// ID is the app id, as in /apps/<id>/ and the capabilities ("spreed").
	ID string
	// Name is the product name users know ("Talk").
	Name string
	// NoCapability marks apps that publish nothing under capabilities
	// (older Cookbook versions, the announcement center): only their API's
	// answer shows whether they are there.
	NoCapability bool
}

// Capability is the key under capabilities that shows the app is
// installed; "" when the app publishes none.
func (i AppInfo) Capability() string {
	if i.NoCapability {
		return ""
	}
	return i.ID
}

// The apps this client speaks to.
var (
	ActivityApp      = AppInfo{ID: "activity", Name: "Activity"}
	AnnouncementsApp = AppInfo{ID: "announcementcenter", Name: "Announcement center", NoCapability: true}
	BookmarksApp     = AppInfo{ID: "bookmarks", Name: "Bookmarks"}
	CollectivesApp   = AppInfo{ID: "collectives", Name: "Collectives"}
	CookbookApp      = AppInfo{ID: "cookbook", Name: "Cookbook", NoCapability: true}
	DeckApp          = AppInfo{ID: "deck", Name: "Deck"}
	// FilesApp is WebDAV, not an App: it names the files toolset only.
	FilesApp         = AppInfo{ID: "files", Name: "Files"}
	FormsApp         = AppInfo{ID: "forms", Name: "Forms"}
	MailApp          = AppInfo{ID: "mail", Name: "Mail"}
	NewsApp          = AppInfo{ID: "news", Name: "News"}
	NotesApp         = AppInfo{ID: "notes", Name: "Notes"}
	NotificationsApp = AppInfo{ID: "notifications", Name: "Notifications"}
	PollsApp         = AppInfo{ID: "polls", Name: "Polls"}
	RemindersApp     = AppInfo{ID: "files_reminders", Name: "File reminders"}
	SharingApp       = AppInfo{ID: "files_sharing", Name: "Sharing"}
	TablesApp        = AppInfo{ID: "tables", Name: "Tables"}
	TalkApp          = AppInfo{ID: "spreed", Name: "Talk"}
	TeamsApp         = AppInfo{ID: "circles", Name: "Teams"}
	UserStatusApp    = AppInfo{ID: "user_status", Name: "User status"}
)
