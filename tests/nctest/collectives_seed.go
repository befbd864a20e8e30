package nctest

import "time"

// Seed and inspect methods of the Collectives stand-in.

// AddCollective creates a collective owned by user and returns its id and
// the id of its landing page.
func (s *Server) AddCollective(user, name string) (id, landing int64) {
	c := s.apps.collectives
	c.mu.Lock()
	defer c.mu.Unlock()
	col, err := c.newCollective(user, name, "")
	if err != "" {
		panic("nctest: " + err)
	}
	return col.id, col.landing
}

// AddCollectivePage adds a page with markdown below parent and returns its id.
func (s *Server) AddCollectivePage(collectiveID, parent int64, title, markdown string) int64 {
	c := s.apps.collectives
	c.mu.Lock()
	defer c.mu.Unlock()
	col := c.collectives[collectiveID]
	par := c.pages[parent]
	c.makeFolder(col.owner, par)
	c.nextID++
	p := &colPage{id: c.nextID, collectiveID: col.id, parentID: par.id, title: c.uniqueTitle(par, title, 0), lastUser: col.owner, modified: time.Now().Unix()}
	c.pages[p.id] = p
	if !c.write(col.owner, c.file(p), markdown) {
		panic("nctest: could not write collective page")
	}
	return p.id
}

// CollectivePagePath returns the page's markdown file below the owner's
// files (e.g. "Collectives/Wiki/Guide/Readme.md").
func (s *Server) CollectivePagePath(pageID int64) string {
	c := s.apps.collectives
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.file(c.pages[pageID])
}

// CollectiveFile reads a file of user's over WebDAV ("" and false if it
// does not exist).
func (s *Server) CollectiveFile(user, rel string) (string, bool) {
	return s.apps.collectives.read(user, rel)
}
