package db

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"strconv"
	"sync"
)

// Audit images (an entry's before and after JSON) are stored compressed:
// a quote's insert image alone is ~1.6 KB of JSON whose keys, and usually
// its conditions, repeat in every quote, so an audited quote cost almost
// three times its own storage. audit_pack turns an image into a blob of
//
//	version byte ‖ raw DEFLATE (RFC 1951) with the preset dictionary of that version
//
// and leaves an image as text when that would not be smaller (the short
// images of a status change). audit_unpack gives back the exact text for
// either form, so everything that reads, hashes, redacts or exports an
// image works on the JSON: the hash chain is over the text (auditCanonical
// unpacks), and compression is only how the bytes lie on disk.

// auditPackV1 is the first (and so far only) packed format's version byte.
const auditPackV1 = 1

// auditDictV1 is the preset dictionary of version 1: the keys and typical
// values of the images written most often (a quote, its lines, a customer,
// a status change), with the default conditions, the most frequent last
// (DEFLATE codes near matches in fewer bits). Stored entries need it
// byte for byte: never edit it; a better dictionary is a new version.
const auditDictV1 = `{"name":"","business_name":"","rfc":"","email":"@correo.mx","phone":"","address":"","tax_regime":"","postal_code":"","cfdi_use":"","notes":""}` +
	`{"code":"","name":"","category":"","unit":"","cost":"","bar_length_m":"","line":"","waste_factor":"","description":"","active":1}` +
	`{"status":"enviada","sent_at":"2026-` + `{"status":"aceptada","decided_at":"2026-` + `{"status":"rechazada","decided_at":"2026-` + `{"superseded_by":` + `{"deleted_at":` +
	`{"folio":"COT-2026-","revision":1,"superseded_by":null,"customer_id":,"customer_name":"","customer_business":"","customer_rfc":"",` +
	`"customer_email":"","customer_phone":"","customer_address":"","salesperson_id":,"status":"borrador","pricing_mode":"por_metro",` +
	`"profit_rate":"0.25","indirect_rate":"0.15","iva_rate":"0.16","iva_exempt":0,"deposit_rate":"0.5","labor_rate_m2":"","profile_waste":"1.1",` +
	`"discount_rate":"","discount_amount":"","price_display":"mas_iva","dimension_unit":"cm","kerf_mm":4,"trim_mm":10,"min_offcut_mm":500,` +
	`"valid_until":"2026-","notes":"","conditions":"` + DefaultConditions + `","catalog_version":,"priced_at":"2026-T","materials":"",` +
	`"labour":"","cost":"","profit":"","indirect":"","subtotal":"","discount":"0","iva":"","total":"","deposit":"","balance":"",` +
	`"optional_amount":"0","sent_at":null,"decided_at":null}` +
	`{"quote_id":,"position":1,"kind":"producto","product_code":"VEN-","product_name":"Ventana ","product_type":"corrediza","hojas":2,` +
	`"colour_code":"","glass_code":"VID-","width_mm":"","height_mm":"","material_code":"","material_name":"","quantity":"1","location":"",` +
	`"notes":"","optional":0,"profiles":"","glass":"","hardware":"","consumables":"","labour":"","cost":"","amount":"","unit_price":"",` +
	`"breakdown_json":"","breakdown":"sha256:`

// auditPackMin: shorter images stay text (a change of status or of one
// field packs to about its own size).
const auditPackMin = 64

var auditPackers = sync.Pool{New: func() any {
	w, err := flate.NewWriterDict(nil, flate.DefaultCompression, []byte(auditDictV1))
	if err != nil {
		panic(err) // only for an invalid level
	}
	return &auditPacker{w: w}
}}

type auditPacker struct {
	buf bytes.Buffer
	w   *flate.Writer
}

var auditUnpackers sync.Pool

// auditPack is the SQL function audit_pack(image): NULL stays NULL, an
// image is returned packed when that is smaller, as text otherwise.
func auditPack(v any) (any, error) {
	var s []byte
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		s = []byte(x)
	case []byte:
		if x == nil {
			return nil, nil
		}
		if len(x) > 0 && x[0] == auditPackV1 {
			return x, nil // already packed (a copy of a packed image)
		}
		s = x
	default:
		return nil, fmt.Errorf("audit_pack: unsupported value %T", v)
	}
	if len(s) < auditPackMin {
		return string(s), nil
	}
	p := auditPackers.Get().(*auditPacker)
	defer auditPackers.Put(p)
	p.buf.Reset()
	p.buf.WriteByte(auditPackV1)
	p.w.Reset(&p.buf)
	if _, err := p.w.Write(s); err != nil {
		return nil, err
	}
	if err := p.w.Close(); err != nil {
		return nil, err
	}
	if p.buf.Len() >= len(s) {
		return string(s), nil
	}
	return bytes.Clone(p.buf.Bytes()), nil
}

// auditUnpack is the SQL function audit_unpack(image): the image's JSON
// text whichever way it is stored.
func auditUnpack(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		return x, nil
	case []byte:
		if x == nil {
			return nil, nil
		}
		s, err := unpackImage(x)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	return nil, fmt.Errorf("audit_unpack: unsupported value %T", v)
}

// auditDictV1Bytes is the dictionary as the inflater takes it (converting
// the constant on every call would copy it each time).
var auditDictV1Bytes = []byte(auditDictV1)

// auditUnpacker is a reusable inflater and its output buffer.
type auditUnpacker struct {
	src bytes.Reader
	r   io.ReadCloser
	out bytes.Buffer
}

// inflate unpacks b into u.out.
func (u *auditUnpacker) inflate(b []byte) error {
	if len(b) == 0 || b[0] != auditPackV1 {
		return fmt.Errorf("audit_unpack: unknown packed image version")
	}
	u.src.Reset(b[1:])
	if u.r == nil {
		u.r = flate.NewReaderDict(&u.src, auditDictV1Bytes)
	} else if err := u.r.(flate.Resetter).Reset(&u.src, auditDictV1Bytes); err != nil {
		return err
	}
	u.out.Reset()
	if _, err := u.out.ReadFrom(u.r); err != nil {
		return fmt.Errorf("audit_unpack: %w", err)
	}
	return nil
}

// unpackImage inflates a packed image.
func unpackImage(b []byte) (string, error) {
	u, _ := auditUnpackers.Get().(*auditUnpacker)
	if u == nil {
		u = &auditUnpacker{}
	}
	defer auditUnpackers.Put(u)
	if err := u.inflate(b); err != nil {
		return "", err
	}
	return u.out.String(), nil
}

// auditImageField is the SQL function audit_image_field(image): a stored
// image as the canonical row writes it, "<length in bytes>:<JSON text>",
// unpacking it once. (Bytes: the canonical row concatenates them as text.)
func auditImageField(v any) ([]byte, error) {
	switch x := v.(type) {
	case string:
		return append(append(strconv.AppendInt(make([]byte, 0, len(x)+12), int64(len(x)), 10), ':'), x...), nil
	case []byte:
		u, _ := auditUnpackers.Get().(*auditUnpacker)
		if u == nil {
			u = &auditUnpacker{}
		}
		defer auditUnpackers.Put(u)
		if err := u.inflate(x); err != nil {
			return nil, err
		}
		out := strconv.AppendInt(make([]byte, 0, u.out.Len()+12), int64(u.out.Len()), 10)
		return append(append(out, ':'), u.out.Bytes()...), nil
	}
	return nil, fmt.Errorf("audit_image_field: unsupported value %T", v)
}
