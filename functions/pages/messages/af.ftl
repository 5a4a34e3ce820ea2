## Try-on page

title = Virtuele aanpassing
storefront = Winkel
preview-alt = Voorskou van jou aanpassing
hint = Kies ’n produk en skakel dan jou kamera aan of laai ’n foto op.
product = Produk
everyone = Trek almal in die raam aan
start = Skakel kamera aan
stop = Stop
upload = Laai ’n foto op
still-heading = Bewaar ’n stilbeeld
take-still = Neem stilbeeld
download = Laai af
share = Deel
still-note = Stilbeelde bly op jou toestel: niks word opgelaai om te deel nie.
privacy = Jou privaatheid
regions = Rame word slegs verwerk in:
nothing-stored = Niks word gestoor nie.
policy = Beleid
any-region = enige streek
price-on-request = prys op aanvraag
ask = Laat virtuele aanpassing toe?
decline = Nie nou nie
allow = Laat toe
declined = Virtuele aanpassing bly afgeskakel: niks is gestuur nie. Jy kan enige tyd weer begin.
unreachable = Die aanpasdiens kon nie bereik word nie.
no-face = Geen gesig in hierdie raam gevind nie: kyk na die kamera in goeie lig.
no-camera = Hierdie blaaier het hier nie toegang tot die kamera nie: laai eerder ’n foto op.
camera-unavailable = Die kamera is nie beskikbaar nie: laai eerder ’n foto op.
unreadable = Daardie lêer is nie ’n foto wat hierdie bladsy kan lees nie (JPEG, PNG of WebP).
upload-again = Laai die foto weer op om hierdie produk aan te pas.
share-title = My aanpassing

## Storefront page

store-title = Meridian-demowinkel
store-intro = Demowinkel: elke beeld is ’n weergawe wat deur ’n streeklike GPU-backend gemaak en uit die edge-kas bedien word.
unavailable = Nie beskikbaar in jou mark nie
unavailable-why = Hoekom?
store-free-shipping = Gratis aflewering hierdie week
store-recommended = Aanbeveel
store-why-recommended = Hoekom:
store-presets = Formate
store-preset = Formaat
store-url = URL
store-format-square = 1080 vierkant
store-format-story = Storie
store-credit = Foto’s: Ubuntu-agtergrondkompetisie (Debian lomiri-wallpapers-16.04), CC BY / CC BY-SA / CC0. Bronne:
# $available: how many products the page offers in the shopper's market.
store-products =
    { COUNT($available) ->
        [one] { $available } produk beskikbaar in jou mark
       *[other] { $available } produkte beskikbaar in jou mark
    }

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] pryse sluit BTW in
       *[exclusive] pryse sluit BTW uit
    } · beleid { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = Pas dit aan
widget-tryon-unavailable = Virtuele aanpassing word nie vir hierdie produk aangebied nie.
widget-recommended = Aanbeveel vir jou
widget-popular = Nou gewild

## Why a product is not offered (storefront and widget)

product-unknown = Produk nie gevind nie
product-unknown-detail = Hierdie produk is nie in die winkel se katalogus nie.
blocked-embargoed = Handelsanksies laat nie toe dat hierdie produk verkoop word waar jy is nie.
blocked-territory-not-licensed = Hierdie produk is nie gelisensieer vir verkoop in jou land nie.
blocked-category-restricted = Produkte van hierdie soort mag nie in jou land verkoop word nie.
blocked-age-gate = Hierdie produk mag slegs ná ’n ouderdomskontrole verkoop word, en dit is nie hier beskikbaar nie.
blocked-other = Hierdie produk kan nie in jou land aangebied word nie.
