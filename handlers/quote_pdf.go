package handlers

import (
	"github.com/gofiber/fiber/v2"

	"cotizador/db"
	"cotizador/quoting"
)

// The quote's PDF: the document its customer receives (quoting.Service.PDF
// decides what it shows; pdf/ draws it). The saved quote page links to it,
// the API serves it by folio, and the share page can send it through
// sendQuotePDF.

// quotePDF serves the document of the quote in the URL, to whoever may see
// the quote (a salesperson their own unless the company lets them see all).
func (s *server) quotePDF(c *fiber.Ctx) error {
	q, _, err := s.loadQuote(c)
	if err != nil {
		return err
	}
	return s.sendQuotePDF(c, q)
}

// apiQuotePDF is GET /api/v1/quotes/{folio}/pdf: the same quote, with the
// same visibility, as GET /api/v1/quotes/{folio}.
func (s *server) apiQuotePDF(c *fiber.Ctx) error {
	q, _, err := s.quotes().FindByFolio(c.UserContext(), c.Params("folio"), currentUser(c))
	if err != nil {
		return err
	}
	return s.sendQuotePDF(c, q)
}

// sendQuotePDF answers q's document, shown in the browser (a phone opens it
// in its viewer, from where it is shared) and saved as <folio>.pdf. The
// caller has checked who may see q.
func (s *server) sendQuotePDF(c *fiber.Ctx, q *db.Quote) error {
	doc, err := s.quotes().PDF(c.UserContext(), q)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `inline; filename="`+quoting.PDFFilename(q)+`"`)
	// A customer's data: never in a shared cache; the company's settings may
	// change the document, so the browser asks again.
	c.Set(fiber.HeaderCacheControl, "private, no-cache")
	return c.Send(doc)
}
