## Try-on page

title = Emprova virtual
storefront = Botiga
preview-alt = Previsualització de la teva emprova
hint = Tria un producte i després activa la càmera o puja una foto.
product = Producte
everyone = Vestir totes les persones de la imatge
start = Activa la càmera
stop = Atura
upload = Puja una foto
still-heading = Desa una imatge
take-still = Captura una imatge
download = Baixa
share = Comparteix
still-note = Les imatges es queden al teu dispositiu: no es puja res per compartir.
privacy = La teva privadesa
regions = Les imatges només es processen a:
nothing-stored = No es desa res.
policy = Política
any-region = qualsevol regió
price-on-request = preu a consultar
ask = Vols permetre l'emprova virtual?
decline = Ara no
allow = Permet
declined = L'emprova continua desactivada: no s'ha enviat res. Pots tornar a començar quan vulguis.
unreachable = No s'ha pogut contactar amb el servei d'emprova.
no-face = No s'ha trobat cap cara en aquesta imatge: mira la càmera amb bona llum.
no-camera = Aquest navegador no té accés a la càmera aquí: puja una foto.
camera-unavailable = La càmera no està disponible: puja una foto.
unreadable = Aquest fitxer no és una foto que aquesta pàgina pugui llegir (JPEG, PNG o WebP).
upload-again = Torna a pujar la foto per emprovar aquest producte.
share-title = La meva emprova

## Storefront page

store-title = Botiga de demostració de Meridian
store-intro = Botiga de demostració: cada imatge és una versió creada per un backend GPU regional i servida des de la memòria cau perimetral.
unavailable = No disponible al teu mercat
unavailable-why = Per què?
store-free-shipping = Enviament gratuït aquesta setmana
store-recommended = Recomanats
store-why-recommended = Per què:
store-presets = Formats
store-preset = Format
store-url = URL
store-format-square = Quadrat 1080
store-format-story = Història
store-credit = Fotografies: concurs de fons de pantalla d'Ubuntu (Debian lomiri-wallpapers-16.04), CC BY / CC BY-SA / CC0. Fonts:
# $available: how many products the page offers in the shopper's market.
store-products =
    { COUNT($available) ->
        [one] { $available } producte disponible al teu mercat
        [many] { $available } de productes disponibles al teu mercat
       *[other] { $available } productes disponibles al teu mercat
    }

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] preus amb impostos inclosos
       *[exclusive] preus sense impostos
    } · política { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = Emprova-t'ho
widget-tryon-unavailable = L'emprovador virtual no està disponible per a aquest producte.
widget-recommended = Recomanat per a tu
widget-popular = Popular ara mateix

## Why a product is not offered (storefront and widget)

product-unknown = Producte no trobat
product-unknown-detail = Aquest producte no és al catàleg de la botiga.
blocked-embargoed = Les sancions comercials no permeten vendre aquest producte on ets.
blocked-territory-not-licensed = Aquest producte no té llicència per vendre's al teu país.
blocked-category-restricted = Els productes d'aquest tipus no es poden vendre al teu país.
blocked-age-gate = Aquest producte només es pot vendre després d'una verificació d'edat, que aquí no està disponible.
blocked-other = Aquest producte no es pot oferir al teu país.
