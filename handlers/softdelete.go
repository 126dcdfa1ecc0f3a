package handlers

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"cotizador/app"
)

// softDelete is what every "Eliminar" button of a record does: the store
// method del marks the record named by :id deleted (always soft, so quotes
// that point at it still render), a flash says so, and the browser goes back
// to the list. An unknown or already deleted id is the store's ENOTFOUND.
func (s *server) softDelete(c *fiber.Ctx, del func(ctx context.Context, id int64, actor app.Actor) error, flash, list string) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if err := del(c.UserContext(), id, actor(c)); err != nil {
		return err
	}
	s.setFlash(c, "success", flash)
	return redirect(c, list)
}
