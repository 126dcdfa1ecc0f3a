package handlers

import (
	"net/url"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"cotizador/app"
	"cotizador/db"
	"cotizador/quoting"
)

// Share links: the salesperson sends a quote, the customer opens /c/{token}
// on their phone, sees it (never a cost or margin), and accepts or rejects
// it. The link is the customer's only door: nothing else is reachable
// through it.

// absoluteURL is path on this site as the customer must open it: the
// configured base URL, else the one the request came in on.
func (s *server) absoluteURL(c *fiber.Ctx, path string) string {
	if s.Config.BaseURL != "" {
		return s.Config.BaseURL + path
	}
	return c.BaseURL() + path
}

// shareData is the share panel of a quote page: the link just made (its
// URL exists only now: the database keeps its hash), the ways to send it,
// and every link with its views and the customer's answers.
func (s *server) shareData(c *fiber.Ctx, q *db.Quote, token string, sh *db.QuoteShare) (fiber.Map, error) {
	ctx := c.UserContext()
	shares, err := s.DB.QuoteShares(ctx, q.ID)
	if err != nil {
		return nil, err
	}
	decisions, err := s.DB.QuoteDecisions(ctx, q.ID)
	if err != nil {
		return nil, err
	}
	data := fiber.Map{"Shares": shares, "Decisions": decisions, "Now": s.Clock.Now()}
	if token != "" {
		link := s.absoluteURL(c, quoting.SharePath(token))
		l := s.translator(c)
		company, err := s.DB.CompanySettings(ctx)
		if err != nil {
			return nil, err
		}
		msg := l.T("share.message", "Name", q.Customer.Name, "Folio", q.DisplayFolio(), "Company", company.Name, "URL", link)
		data["Link"], data["NewShare"] = link, sh
		if n := quoting.WhatsAppNumber(q.Customer.Phone); n != "" {
			data["WhatsApp"] = "https://wa.me/" + n + "?text=" + url.QueryEscape(msg)
		} else {
			data["WhatsApp"] = "https://wa.me/?text=" + url.QueryEscape(msg)
		}
		data["Mailto"] = "mailto:" + url.PathEscape(q.Customer.Email) + "?subject=" + url.PathEscape(l.T("share.subject", "Folio", q.DisplayFolio())) +
			"&body=" + url.PathEscape(msg)
	}
	return data, nil
}

// quoteSend creates a link for the quote (a draft becomes enviada) and shows
// the quote page with the link and the buttons to send it.
func (s *server) quoteSend(c *fiber.Ctx) error {
	q, _, err := s.loadQuote(c)
	if err != nil {
		return err
	}
	token, sh, err := s.quotes().Share(c.UserContext(), q, actor(c))
	if err != nil {
		if app.ErrorCode(err) == app.ECONFLICT {
			s.setFlash(c, "error", app.ErrorMessage(err))
			return redirect(c, "/cotizaciones/"+strconv.FormatInt(q.ID, 10))
		}
		return err
	}
	// The quote changed (a draft is now enviada): show it as it is now.
	q, st, err := s.quotes().Find(c.UserContext(), q.ID, currentUser(c))
	if err != nil {
		return err
	}
	return s.renderQuote(c, q, st, token, sh)
}

// quoteShareRevoke ends one of the quote's links.
func (s *server) quoteShareRevoke(c *fiber.Ctx) error {
	q, _, err := s.loadQuote(c)
	if err != nil {
		return err
	}
	sid, err := strconv.ParseInt(c.Params("sid"), 10, 64)
	if err != nil {
		return app.Errorf(app.ENOTFOUND, "share.not_found")
	}
	if err := s.quotes().RevokeShare(c.UserContext(), q, sid, actor(c)); err != nil {
		return err
	}
	s.setFlash(c, "success", "share.revoked")
	return redirect(c, "/cotizaciones/"+strconv.FormatInt(q.ID, 10))
}

// apiQuoteShare is POST /api/v1/quotes/{folio}/share: a new link.
func (s *server) apiQuoteShare(c *fiber.Ctx) error {
	q, _, err := s.quotes().FindByFolio(c.UserContext(), c.Params("folio"), currentUser(c))
	if err != nil {
		return err
	}
	token, sh, err := s.quotes().Share(c.UserContext(), q, actor(c))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"url": s.absoluteURL(c, quoting.SharePath(token)),
		"expires_at": sh.ExpiresAt.UTC().Format(time.RFC3339)})
}

// shareLimit bounds answers through links per client address, like sign-in.
func (s *server) shareLimit() fiber.Handler {
	n := s.Config.Security.LoginRateLimit
	return limiter.New(limiter.Config{
		Next:         func(c *fiber.Ctx) bool { return n <= 0 },
		Max:          max(n, 1),
		Expiration:   time.Minute,
		KeyGenerator: func(c *fiber.Ctx) string { return "share:" + c.IP() },
		LimitReached: s.rateLimited("share"),
	})
}

// sharePage is what the customer sees at /c/{token}.
func (s *server) sharePage(c *fiber.Ctx) error {
	sh, err := s.quotes().OpenShare(c.UserContext(), c.Params("token"), true)
	if err != nil {
		return err
	}
	return s.renderShare(c, fiber.StatusOK, sh, nil)
}

func (s *server) renderShare(c *fiber.Ctx, status int, sh *quoting.Shared, f *form) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	// The link's page must not leak its token to other sites.
	c.Set("Referrer-Policy", "no-referrer")
	if !sh.Usable {
		return s.renderPage(c, fiber.StatusGone, "share_gone", "share.gone_title", fiber.Map{"Shared": sh})
	}
	company, err := s.DB.CompanySettings(c.UserContext())
	if err != nil {
		return err
	}
	if f == nil {
		f = &form{Values: map[string]string{}, Errors: map[string]app.FieldError{}}
	}
	names, err := s.catalogNames(c)
	if err != nil {
		return err
	}
	plans, err := s.quotes().PaymentPlans(c.UserContext(), sh.Quote)
	if err != nil {
		return err
	}
	return s.renderPage(c, status, "share", "share.title", fiber.Map{"Shared": sh, "Quote": sh.Quote, "Company": company, "Names": names, "Plans": plans,
		"Token": c.Params("token"), "Form": f, "PlusIVA": sh.Quote.PriceDisplay != quoting.DisplayIVAIncluded})
}

// sharePDF is the quote's document through its link, while the link works.
func (s *server) sharePDF(c *fiber.Ctx) error {
	sh, err := s.quotes().OpenShare(c.UserContext(), c.Params("token"), false)
	if err != nil {
		return err
	}
	if !sh.Usable {
		return s.renderShare(c, fiber.StatusGone, sh, nil)
	}
	c.Set("Referrer-Policy", "no-referrer")
	return s.sendQuotePDF(c, sh.Quote)
}

// shareDecide answers the customer's accept or reject form.
func (s *server) shareDecide(accept bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		f := newForm(c, "name", "note")
		in := quoting.Decision{Token: c.Params("token"), FormToken: c.FormValue("form_token"), Accept: accept,
			Name: f.Get("name"), Note: f.Get("note"), IP: c.IP(), UserAgent: c.Get(fiber.HeaderUserAgent)}
		sh, err := s.quotes().Decide(c.UserContext(), in)
		if err != nil {
			if sh != nil && f.mergeAppError(err) {
				return s.renderShare(c, fiber.StatusUnprocessableEntity, sh, f)
			}
			if sh != nil && app.ErrorCode(err) == app.ECONFLICT {
				return s.renderShare(c, fiber.StatusConflict, sh, f)
			}
			return err
		}
		return redirect(c, quoting.SharePath(in.Token))
	}
}
