package nctest

// registerApps mounts each app's handlers; one line per app file.
func (s *Server) registerApps() {
	s.registerNotes()
	s.registerWebDAV()
	s.registerSearch()
	s.registerTalk()
	s.registerNews()
	s.registerNotifications()
	s.registerUserStatus()
	s.registerActivity()
	s.registerAnnouncements()
	s.registerAdmin()
	s.registerCollectives()
	s.registerMail()
	s.registerLoginFlow()
	s.registerCookbook()
	s.registerUsers()
	s.registerFileExtras()
	s.registerSharing()
	s.registerDeck()
	s.registerDAV()
	s.registerTables()
	s.registerBookmarks()
	s.registerPolls()
	s.registerForms()
	s.registerTeams()
}
