#!/usr/bin/env bash
# Rebuilds auth/common_passwords.txt.gz, the list the password policy rejects:
# the common passwords of @zxcvbn-ts/language-common (MIT, from the npm
# registry, verified against the checksum recorded below) plus the Spanish and
# Mexican passwords listed here, lowercased, deduplicated, one per line. Run it
# to prove the committed file is reproducible, or after changing the pin (then
# update PASSWORDS_SHA256 from a file you have checked).
set -euo pipefail
PKG_VERSION=4.1.3
PASSWORDS_SHA256=f422773d94d630f27e08b26d7017e847bb1feb2a84809340e9c0b0c47b33e3f1
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "@zxcvbn-ts/language-common@${PKG_VERSION}" >/dev/null)
tar -xzf "$tmp"/zxcvbn-ts-language-common-${PKG_VERSION}.tgz -C "$tmp" package/src/passwords.json
got=$(sha256sum "$tmp/package/src/passwords.json" | cut -d' ' -f1)
if [ "$got" != "$PASSWORDS_SHA256" ]; then
  echo "@zxcvbn-ts/language-common ${PKG_VERSION}: checksum $got does not match the recorded $PASSWORDS_SHA256" >&2
  exit 1
fi

# npm needs node, so node is there to turn the JSON array into lines.
node -e 'for (const p of require(process.argv[1])) console.log(p)' "$tmp/package/src/passwords.json" >"$tmp/list.txt"

# --- Spanish / Mexican additions (written for this project, not from zxcvbn) ---
# Words a Mexican user or a window shop is likely to pick; short ones are
# rejected for length anyway but stay listed so the list is honest on its own.
cat >>"$tmp/list.txt" <<'SPANISH'
contraseña
contrasena
contraseña1
contrasena1
contraseña123
contrasena123
contraseña1234
contrasena1234
micontraseña
micontrasena
nuevacontraseña
nuevacontrasena
cambiame
cambiame123
cambiar123
clave123
clave1234
miclave
claveacceso
secreto123
bienvenido
bienvenido1
bienvenido123
administrador
administrador1
usuario123
hola123
hola1234
holamundo
mexico
méxico
mexico1
mexico123
mexico1234
mexico2023
mexico2024
mexico2025
mexico2026
vivamexico
vivaméxico
mexicolindo
tequila
tequila123
mezcal
america
america123
americacampeon
aguilasdelamerica
chivas
chivas123
chivashermano
chivascampeon
pumas
pumas123
pumasunam
cruzazul
cruzazul123
tigres
tigres123
rayados
rayados123
toluca
guadalajara
monterrey
tijuana
cancun
puebla
oaxaca
veracruz
jalisco
chihuahua
sinaloa
mariachi
guadalupe
virgendeguadalupe
jesucristo
diosesamor
diosteama
diosmeama
teamo
teamo123
teamomucho
tequiero
tequiero123
miamor
miamor123
mivida
princesa
princesa123
corazon
corazón
amorcito
mariposa
estrella
chiquita
familia
familia123
cotizador
cotizacion
cotización
aluminio
aluminio123
canceleria
cancelería
ventanas
ventanas123
vidrio
SPANISH
# --- end of Spanish / Mexican additions ---

node -e '
const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n");
for (const l of lines) { const p = l.trim().toLowerCase(); if (p) console.log(p); }
' "$tmp/list.txt" | LC_ALL=C sort -u >"$tmp/common_passwords.txt"
# -n drops the name and time stamp so the same input gives the same bytes.
gzip -n -9 -c "$tmp/common_passwords.txt" >auth/common_passwords.txt.gz
echo "auth/common_passwords.txt.gz: $(wc -l <"$tmp/common_passwords.txt") passwords (zxcvbn-ts ${PKG_VERSION}, sha256 $got)"
