package nctest

// registerApps mounts each app's handlers; one line per app file.
func (s *Server) registerApps() {
	s.registerLoginFlow()
	s.registerCookbook()
}
