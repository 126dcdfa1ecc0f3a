package db

import (
	"bytes"
	"compress/flate"
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"sync"

	"github.com/shopspring/decimal"

	"cotizador/pricing"
)

// A quote line's breakdown (one pricing.LineDetail per BOM line, chosen
// glass and labour) is kept exactly as priced, so the quote re-renders and
// can be audited years later. As JSON it averaged 3.3–4 KB a line, two
// thirds of the database; it is stored instead as a small binary record,
// raw-DEFLATE compressed against a fixed dictionary of the words every
// breakdown repeats (about 10 % of the JSON; the measurement is in the
// README's Performance section).
//
// Layout of a stored breakdown (quote_items.breakdown, a BLOB):
//
//	byte 0     format: breakdownV1
//	bytes 1…   raw DEFLATE (dictionary breakdownDictV1) of the body:
//	           uvarint count (0: none, n+1: n lines), then per line:
//	           sym Kind, varint BOMIndex, str MaterialCode, str MaterialName,
//	           sym Role, str Description, str Formula, 8 bytes Raw (IEEE 754,
//	           little endian), byte flags (1 Clamped, 2 Ignored, 4 Packed),
//	           uvarint CutCount, varint CutLengthMM, dec Waste, varint Bars,
//	           dec Quantity, sym Unit, dec UnitPrice, dec Cost
//
// str is a uvarint length and UTF-8 bytes; sym is a uvarint: 0 followed by
// a str, or 1 + the index of a known value in breakdownSymbols; dec is a
// uvarint of zigzag(exponent)<<1 | big, then the coefficient as a zigzag
// varint, or (big) a sign byte and a str of its magnitude's bytes. Every
// value comes back exactly as it went in (decimals by value, floats by bits).
//
// breakdownSymbols and breakdownDictV1 are part of format 1 and must never
// change: a different list or dictionary is a new format byte, and the
// decoder keeps reading the old one.
const breakdownV1 = 1

var breakdownSymbols = []string{
	string(pricing.LineBOM), string(pricing.LineChosenGlass), string(pricing.LineLabour),
	string(pricing.RoleProfile), string(pricing.RoleGlass), string(pricing.RoleHardware), string(pricing.RoleConsumable), string(pricing.RoleLabour),
	string(pricing.UnitML), string(pricing.UnitM2), string(pricing.UnitPZA), "CARTUCHO", string(pricing.UnitLTS), string(pricing.UnitKG),
}

// breakdownDictV1 primes the compressor with what formulas and descriptions
// of a window's BOM are made of, so even a short breakdown compresses well.
var breakdownDictV1 = []byte("perimeter_m area_m2 hojas quantity round( ceil( floor( min( max( sqrt( abs( pow( " +
	"width_mm height_mm width_cm height_cm width_m height_m × 2 * (width_m + height_m) / 2 - " +
	"Perfil Riel superior Riel inferior Jamba Cabezal Zoclo Traslape Junquillo Marco Hoja Contramarco Escalonado Fijo " +
	"Vidrio claro 6 mm Vidrio templado Filtrasol Tintex Reflectivo Laminado Esmerilado a medida " +
	"Rodamiento Carretilla Cerradura Chapa Jaladera Bisagra Brazo Cremona Felpa Vinil Silicón Silicona Pijas Tornillo Taquete Cuñas " +
	"Mano de obra instalación Línea 2\" Línea 3\" Serie 35 Natural Blanco Negro Bronce Champagne Madera " +
	"PER- VID- HER- CON- MO- -L2 -L3 -S35 -NAT -BLA ")

// breakdownFlags are the booleans of a line.
const (
	flagClamped = 1 << iota
	flagIgnored
	flagPacked
)

var (
	symIndex = func() map[string]uint64 {
		m := make(map[string]uint64, len(breakdownSymbols))
		for i, s := range breakdownSymbols {
			m[s] = uint64(i) + 1
		}
		return m
	}()
	// Compressors cost about 600 KB each to make: reused.
	flateWriters = sync.Pool{New: func() any {
		w, err := flate.NewWriterDict(io.Discard, flate.BestCompression, breakdownDictV1)
		if err != nil {
			panic(err)
		}
		return w
	}}
	flateReaders = sync.Pool{New: func() any { return flate.NewReaderDict(bytes.NewReader(nil), breakdownDictV1) }}
)

// encodeBreakdown returns the stored form of a line's breakdown.
func encodeBreakdown(lines []pricing.LineDetail) ([]byte, error) {
	body := make([]byte, 0, 64*len(lines)+8)
	// 0 is no breakdown at all (a material line), n+1 a list of n, so the
	// JSON a row is written back as on rollback is "null" or "[…]" as before.
	if lines == nil {
		body = binary.AppendUvarint(body, 0)
	} else {
		body = binary.AppendUvarint(body, uint64(len(lines))+1)
	}
	for i := range lines {
		l := &lines[i]
		body = appendSym(body, string(l.Kind))
		body = binary.AppendVarint(body, int64(l.BOMIndex))
		body = appendStr(body, l.MaterialCode)
		body = appendStr(body, l.MaterialName)
		body = appendSym(body, string(l.Role))
		body = appendStr(body, l.Description)
		body = appendStr(body, l.Formula)
		body = binary.LittleEndian.AppendUint64(body, math.Float64bits(l.Raw))
		var flags byte
		if l.Clamped {
			flags |= flagClamped
		}
		if l.Ignored {
			flags |= flagIgnored
		}
		if l.Packed {
			flags |= flagPacked
		}
		body = append(body, flags)
		body = binary.AppendUvarint(body, uint64(l.CutCount))
		body = binary.AppendVarint(body, int64(l.CutLengthMM))
		body = appendDec(body, l.Waste)
		body = binary.AppendVarint(body, int64(l.Bars))
		body = appendDec(body, l.Quantity)
		body = appendSym(body, string(l.Unit))
		body = appendDec(body, l.UnitPrice)
		body = appendDec(body, l.Cost)
	}
	var out bytes.Buffer
	out.Grow(len(body)/2 + 16)
	out.WriteByte(breakdownV1)
	w := flateWriters.Get().(*flate.Writer)
	defer flateWriters.Put(w)
	w.Reset(&out)
	if _, err := w.Write(body); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendSym(b []byte, s string) []byte {
	if i, ok := symIndex[s]; ok {
		return binary.AppendUvarint(b, i)
	}
	return appendStr(binary.AppendUvarint(b, 0), s)
}

func appendDec(b []byte, d decimal.Decimal) []byte {
	coef, exp := d.Coefficient(), int64(d.Exponent())
	zexp := uint64(exp<<1) ^ uint64(exp>>63)
	if coef.IsInt64() {
		b = binary.AppendUvarint(b, zexp<<1)
		return binary.AppendVarint(b, coef.Int64())
	}
	b = binary.AppendUvarint(b, zexp<<1|1)
	b = append(b, byte(coef.Sign()+1))
	return appendStr(b, string(coef.Bytes()))
}

// errBreakdown is a stored breakdown that cannot be read.
var errBreakdown = errors.New("db: damaged breakdown")

// decodeBreakdown reads a stored breakdown: the current binary format, or
// the JSON text of rows written before it (migration 00050 converts them;
// a row it has not reached yet still reads).
func decodeBreakdown(stored []byte) ([]pricing.LineDetail, error) {
	if len(stored) == 0 {
		return nil, errBreakdown
	}
	if stored[0] == '[' || stored[0] == 'n' { // JSON array, or "null" for a nil slice
		var lines []pricing.LineDetail
		if err := json.Unmarshal(stored, &lines); err != nil {
			return nil, fmt.Errorf("%w: %v", errBreakdown, err)
		}
		return lines, nil
	}
	if stored[0] != breakdownV1 {
		return nil, fmt.Errorf("%w: format %d", errBreakdown, stored[0])
	}
	r := flateReaders.Get().(io.ReadCloser)
	defer flateReaders.Put(r)
	// A bytes.Reader is an io.ByteReader, so the decompressor reads no
	// further than its stream: bytes left after it mean damage.
	src := bytes.NewReader(stored[1:])
	if err := r.(flate.Resetter).Reset(src, breakdownDictV1); err != nil {
		return nil, err
	}
	body, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errBreakdown, err)
	}
	if src.Len() != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the data", errBreakdown, src.Len())
	}
	d := decoder{b: body}
	n := d.uvarint()
	if n > uint64(len(body)) {
		return nil, errBreakdown
	}
	var lines []pricing.LineDetail
	if n > 0 {
		lines = make([]pricing.LineDetail, n-1)
	}
	for i := range lines {
		l := &lines[i]
		l.Kind = pricing.LineKind(d.sym())
		l.BOMIndex = int(d.varint())
		l.MaterialCode = d.str()
		l.MaterialName = d.str()
		l.Role = pricing.Role(d.sym())
		l.Description = d.str()
		l.Formula = d.str()
		l.Raw = math.Float64frombits(d.uint64())
		flags := d.byte()
		l.Clamped, l.Ignored, l.Packed = flags&flagClamped != 0, flags&flagIgnored != 0, flags&flagPacked != 0
		l.CutCount = int(d.uvarint())
		l.CutLengthMM = int(d.varint())
		l.Waste = d.dec()
		l.Bars = int(d.varint())
		l.Quantity = d.dec()
		l.Unit = pricing.Unit(d.sym())
		l.UnitPrice = d.dec()
		l.Cost = d.dec()
	}
	if d.err || len(d.b) != 0 {
		return nil, errBreakdown
	}
	return lines, nil
}

// decoder reads the body; a short or malformed body sets err and yields
// zero values from then on.
type decoder struct {
	b   []byte
	err bool
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err, d.b = true, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err, d.b = true, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) uint64() uint64 {
	if len(d.b) < 8 {
		d.err, d.b = true, nil
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

func (d *decoder) byte() byte {
	if len(d.b) < 1 {
		d.err = true
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) str() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.err, d.b = true, nil
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) sym() string {
	i := d.uvarint()
	if i == 0 {
		return d.str()
	}
	if i > uint64(len(breakdownSymbols)) {
		d.err, d.b = true, nil
		return ""
	}
	return breakdownSymbols[i-1]
}

func (d *decoder) dec() decimal.Decimal {
	h := d.uvarint()
	zexp := h >> 1
	exp := int64(zexp>>1) ^ -int64(zexp&1)
	if exp < math.MinInt32 || exp > math.MaxInt32 {
		d.err = true
		return decimal.Zero
	}
	if h&1 == 0 {
		return decimal.New(d.varint(), int32(exp))
	}
	sign := int(d.byte()) - 1
	mag := new(big.Int).SetBytes([]byte(d.str()))
	if sign < 0 {
		mag.Neg(mag)
	}
	return decimal.NewFromBigInt(mag, int32(exp))
}

// packBreakdowns converts the JSON breakdowns of quote_items with ids in
// (from, to] (migration 00050's data step).
func packBreakdowns(ctx context.Context, tx *sql.Tx, from, to int64) error {
	return rewriteBreakdowns(ctx, tx, `SELECT id, breakdown_json FROM quote_items WHERE id > ? AND id <= ? AND breakdown IS NULL`, from, to,
		func(lines []pricing.LineDetail) (any, error) { return encodeBreakdown(lines) },
		`UPDATE quote_items SET breakdown = ?, breakdown_json = '' WHERE id = ?`)
}

// unpackBreakdowns writes the breakdowns of quote_items with ids in
// (from, to] back as the JSON the rows held before migration 00050, before
// it is rolled back: the same bytes, so the audit trail's digests of them
// hold again.
func unpackBreakdowns(ctx context.Context, tx *sql.Tx, from, to int64) error {
	return rewriteBreakdowns(ctx, tx, `SELECT id, breakdown FROM quote_items WHERE id > ? AND id <= ? AND breakdown IS NOT NULL`, from, to,
		func(lines []pricing.LineDetail) (any, error) {
			text, err := json.Marshal(lines)
			return string(text), err
		},
		`UPDATE quote_items SET breakdown_json = ?, breakdown = NULL WHERE id = ?`)
}

// rewriteBreakdowns reads (id, stored breakdown) rows, decodes each and
// writes it back in the other form with update(new form, id).
func rewriteBreakdowns(ctx context.Context, tx *sql.Tx, query string, from, to int64,
	form func([]pricing.LineDetail) (any, error), update string) error {
	type row struct {
		id     int64
		stored []byte
	}
	rows, err := tx.QueryContext(ctx, query, from, to)
	if err != nil {
		return err
	}
	var todo []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.stored); err != nil {
			rows.Close()
			return err
		}
		todo = append(todo, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range todo {
		lines, err := decodeBreakdown(r.stored)
		if err != nil {
			return fmt.Errorf("quote item %d: %w", r.id, err)
		}
		v, err := form(lines)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, update, v, r.id); err != nil {
			return err
		}
	}
	return nil
}
