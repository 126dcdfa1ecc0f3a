package handlers

import (
	"github.com/gofiber/fiber/v2"
)

// routes registers every route of the application, with its middleware and
// the roles each route allows (see access.go; a test walks them all).
func (s *server) routes(a *fiber.App) {
	a.Use(takeTurns())
	a.Use(requestID())
	a.Use(s.logRequests())
	a.Use(s.recoverPanics())
	a.Use(s.securityHeaders())
	a.Use(s.corsPolicy())
	a.Use(compressLarge())
	a.Use(s.language())
	a.Use(s.watchProxies())
	a.Use(s.rateLimit())
	a.Use(s.authenticate())
	a.Use(s.csrfProtection())
	a.Use(s.bindCSRF())

	r := router{s: s, r: a}

	// Static files under content-hashed names; favicon and manifest at the
	// well-known paths browsers ask for.
	r.get("/static/*", public, s.assets.Serve)
	r.get("/favicon.ico", public, s.assets.ServeFile("img/favicon.svg"))
	r.get("/manifest.webmanifest", public, s.manifest)

	// Health: probes and monitoring, no session needed (detailed checks
	// its own audience).
	r.get("/api/health/", public, s.healthAlive)
	r.get("/api/health/live", public, s.healthAlive)
	r.get("/api/health/ready", public, s.healthReady)
	r.get("/api/health/database", public, s.healthDatabase)
	r.get("/api/health/detailed", public, s.healthDetailed)
	r.get("/api/health/metrics", public, s.metrics.Handler())
	r.get("/api/health/version", public, s.healthVersion)

	// Setup, sign-in, password reset.
	r.get("/setup", public, s.setupPage)
	r.post("/setup", public, s.setupSubmit)
	r.get("/login", public, s.loginPage)
	r.post("/login", public, s.loginRateLimit(), s.loginSubmit)
	r.post("/logout", anyUser, s.logout)
	r.get("/restablecer/:token", public, s.resetPage)
	r.post("/restablecer/:token", public, s.resetSubmit)
	r.post("/contrasena/revisar", public, s.passwordCheck)

	// My account: password, sessions, API tokens.
	r.get("/cuenta", anyUser, s.accountPage)
	r.post("/cuenta/contrasena", anyUser, s.accountPassword)
	r.post("/cuenta/sesiones/cerrar-otras", anyUser, s.accountEndOtherSessions)
	r.post("/cuenta/sesiones/:id/cerrar", anyUser, s.accountEndSession)
	r.post("/cuenta/tokens", anyUser, s.accountCreateToken)
	r.post("/cuenta/tokens/:id/revocar", anyUser, s.accountRevokeToken)

	// Users (owner and admin) and the security log (owner).
	r.get("/usuarios", managers, s.usersPage)
	r.post("/usuarios", managers, s.usersCreate)
	r.get("/usuarios/:id", managers, s.userPage)
	r.post("/usuarios/:id", managers, s.userUpdate)
	r.post("/usuarios/:id/desbloquear", managers, s.userUnlock)
	r.get("/seguridad", ownerOnly, s.securityLogPage)

	// Respaldos (backups): the owner's page and actions; the JSON status is
	// public as a route and checks its audience itself, like detailed health.
	r.get("/respaldos", ownerOnly, s.backupsPage)
	r.post("/respaldos/simulacro", ownerOnly, s.backupDrill)
	r.post("/respaldos/respaldo-local", ownerOnly, s.backupSnapshot)
	r.get("/respaldos/archivo/:file", ownerOnly, s.backupDownload)
	r.get("/api/health/backups", public, s.healthBackups)

	// Catálogo: materials, colours, products with their BOM (everyone reads,
	// owner and admin edit), the bulk price update and the JSON API.
	r.get("/catalogo", anyUser, func(c *fiber.Ctx) error { return c.Redirect("/catalogo/materiales", fiber.StatusSeeOther) })
	r.get("/catalogo/materiales", anyUser, s.materialsPage)
	r.get("/catalogo/materiales/nuevo", managers, s.materialNew)
	r.post("/catalogo/materiales", managers, s.materialCreate)
	r.get("/catalogo/materiales/:id", anyUser, s.materialPage)
	r.post("/catalogo/materiales/:id", managers, s.materialUpdate)
	r.post("/catalogo/materiales/:id/costo", managers, s.materialCost)
	r.post("/catalogo/materiales/:id/eliminar", managers, s.materialDelete)
	r.post("/catalogo/materiales/:id/precios", managers, s.colourPriceSet)
	r.post("/catalogo/materiales/:id/precios/:pid/eliminar", managers, s.colourPriceDelete)
	r.get("/catalogo/colores", anyUser, s.coloursPage)
	r.post("/catalogo/colores", managers, s.colourCreate)
	r.post("/catalogo/colores/:id", managers, s.colourUpdate)
	r.post("/catalogo/colores/:id/eliminar", managers, s.colourDelete)
	r.get("/catalogo/productos", anyUser, s.productsPage)
	r.get("/catalogo/productos/nuevo", managers, s.productNew)
	r.get("/catalogo/productos/linea", managers, s.bomRowPartial)
	r.post("/catalogo/productos", managers, s.productCreate)
	r.get("/catalogo/productos/:id", anyUser, s.productPage)
	r.post("/catalogo/productos/:id", managers, s.productUpdate)
	r.get("/catalogo/productos/:id/vista-previa", anyUser, s.productPreview)
	r.post("/catalogo/productos/:id/eliminar", managers, s.productDelete)
	r.get("/catalogo/formula", managers, s.formulaCheck)
	r.get("/catalogo/precios", managers, s.bulkPricesPage)
	r.post("/catalogo/precios", managers, s.bulkPricesSubmit)
	r.get("/api/v1/materials", anyUser, s.apiMaterials)
	r.get("/api/v1/products", anyUser, s.apiProducts)

	// Catálogo: importar y exportar
	r.get("/catalogo/importar", managers, s.importPage)
	r.post("/catalogo/importar", managers, s.importPreview)
	r.post("/catalogo/importar/aplicar", managers, s.importApply)
	r.get("/catalogo/exportar", managers, s.exportCatalog)

	// Cotizaciones: everyone signed in reads (salespeople their own unless
	// the company lets them see all); owner, admin and sales write.
	r.get("/cotizaciones", anyUser, s.quotesPage)
	r.get("/cotizaciones/nueva", quoteWriters, s.quoteNew)
	r.get("/cotizaciones/partida", quoteWriters, s.quoteLineRow)
	r.post("/cotizaciones/calcular", quoteWriters, s.quoteCalc)
	r.post("/cotizaciones", quoteWriters, s.quoteCreate)
	r.get("/cotizaciones/:id", anyUser, s.quotePage)
	r.get("/cotizaciones/:id/editar", quoteWriters, s.quoteEdit)
	r.get("/cotizaciones/:id/pdf", anyUser, s.quotePDF)
	r.post("/cotizaciones/:id", quoteWriters, s.quoteUpdate)
	r.post("/cotizaciones/:id/estado", quoteWriters, s.quoteStatus)
	r.post("/cotizaciones/:id/revision", quoteWriters, s.quoteRevise)
	r.post("/cotizaciones/:id/duplicar", quoteWriters, s.quoteDuplicate)
	r.post("/cotizaciones/:id/recalcular", quoteWriters, s.quoteReprice)
	r.post("/cotizaciones/:id/enviar", quoteWriters, s.quoteSend)
	r.post("/cotizaciones/:id/enlaces/:sid/revocar", quoteWriters, s.quoteShareRevoke)
	r.post("/api/v1/quotes/:folio/share", quoteWriters, s.apiQuoteShare)
	// The customer's door: a quote's share link, no account needed.
	r.get("/c/:token", public, s.sharePage)
	r.get("/c/:token/pdf", public, s.sharePDF)
	r.post("/c/:token/aceptar", public, s.shareLimit(), s.shareDecide(true))
	r.post("/c/:token/rechazar", public, s.shareLimit(), s.shareDecide(false))
	r.post("/api/v1/quotes/calculate", anyUser, s.apiQuoteCalculate)
	r.post("/api/v1/quotes", quoteWriters, s.apiQuoteCreate)
	r.get("/api/v1/quotes/:folio", anyUser, s.apiQuoteGet)
	r.get("/api/v1/quotes/:folio/pdf", anyUser, s.apiQuotePDF)

	// Taller: a quote's cut list, workshop orders (everyone signed in reads;
	// owner, admin and sales make them and move them on), shopping lists,
	// and the offcut inventory (the owner adjusts and discards). No price
	// on any of them.
	r.get("/cotizaciones/:id/cortes", anyUser, s.quoteCutList)
	r.get("/api/v1/quotes/:folio/cutlist", anyUser, s.apiQuoteCutList)
	r.get("/taller", anyUser, s.workshopPage)
	r.post("/taller/ordenes", workshopWriters, s.workshopCreate)
	r.get("/taller/ordenes/:folio", anyUser, s.workshopOrderPage)
	r.post("/taller/ordenes/:folio/estado", workshopWriters, s.workshopOrderStatus)
	r.post("/taller/ordenes/:folio/eliminar", workshopWriters, s.workshopOrderDelete)
	r.get("/taller/ordenes/:folio/pdf", anyUser, s.workshopOrderPDF)
	r.get("/taller/ordenes/:folio/compras", anyUser, s.workshopShopping)
	r.get("/taller/ordenes/:folio/compras.csv", anyUser, s.workshopShoppingCSV)
	r.get("/taller/retazos", anyUser, s.offcutsPage)
	r.post("/taller/retazos", ownerOnly, s.offcutCreate)
	r.post("/taller/retazos/:id", ownerOnly, s.offcutUpdate)
	r.post("/taller/retazos/:id/descartar", ownerOnly, s.offcutDiscard)

	// Clientes: everyone signed in reads; owner, admin and sales write. The
	// picker fragment (buscar) serves the quote editor.
	r.get("/clientes", anyUser, s.customersPage)
	r.get("/clientes/nuevo", customerWriters, s.customerNew)
	r.get("/clientes/buscar", anyUser, s.customerSearch)
	r.post("/clientes", customerWriters, s.customerCreate)
	r.get("/clientes/:id", anyUser, s.customerPage)
	r.post("/clientes/:id", customerWriters, s.customerUpdate)
	r.post("/clientes/:id/eliminar", customerWriters, s.customerDelete)

	// Configuración (owner and admin); the logo is public, as shared quotes
	// show it to customers who never sign in.
	r.get("/configuracion", managers, s.settingsPage)
	r.post("/configuracion", managers, s.settingsUpdate)
	r.post("/configuracion/logo", managers, s.settingsLogo)
	r.post("/configuracion/logo/eliminar", managers, s.settingsLogoDelete)
	r.get("/empresa/logo", public, s.companyLogo)

	// Protección de datos: the owner's Auditoría (the audit trail, its
	// verification, any record's history), retention policies and exports
	// (ARCO access, the whole business; a customer's ARCO cancellation);
	// the Papelera for owner and admin. A download link is public: the
	// link itself, single-use and expiring, is the credential.
	r.get("/auditoria", ownerOnly, s.auditPage)
	r.post("/auditoria/verificar", ownerOnly, s.auditVerify)
	r.get("/auditoria/:table/:id", ownerOnly, s.auditRecordPage)
	r.get("/papelera", managers, s.trashPage)
	r.post("/papelera/:kind/:id/restaurar", managers, s.trashRestore)
	r.post("/cotizaciones/:id/eliminar", managers, s.quoteDelete)
	r.get("/retencion", ownerOnly, s.retentionPage)
	r.post("/retencion", ownerOnly, s.retentionUpdate)
	r.get("/exportaciones", ownerOnly, s.exportsPage)
	r.post("/exportaciones", ownerOnly, s.exportCreate)
	r.get("/exportaciones/:id", ownerOnly, s.exportPage)
	r.get("/exportaciones/:id/progreso", ownerOnly, s.exportProgress)
	r.post("/exportaciones/:id/enlace", ownerOnly, s.exportLink)
	r.get("/descargas/:token", public, s.exportDownload)
	r.get("/clientes/:id/anonimizar", ownerOnly, s.anonymisePage)
	r.post("/clientes/:id/anonimizar", ownerOnly, s.anonymiseSubmit)

	r.get("/", anyUser, s.home)
	// The Tablero alone, which its filters load through htmx (owner and
	// admin: everyone's figures; a salesperson: their own).
	r.get("/tablero", quoteWriters, s.dashboardPage)
	r.get("/estado", managers, s.statusPage)
	// Errores: the error groups, the last 24 h and the open alerts.
	r.get("/errores", managers, s.errorsPage)
}
