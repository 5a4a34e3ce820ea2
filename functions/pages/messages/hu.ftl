## Try-on page

title = Virtuális próba
storefront = Áruház
preview-alt = A próba előnézete
hint = Válasszon egy terméket, majd indítsa el a kamerát, vagy töltsön fel egy fotót.
product = Termék
everyone = A képen látható összes személy felöltöztetése
start = Kamera indítása
stop = Leállítás
upload = Fotó feltöltése
still-heading = Állókép megtartása
take-still = Állókép készítése
download = Letöltés
share = Megosztás
still-note = Az állóképek az Ön eszközén maradnak: a megosztáshoz semmit sem töltünk fel.
privacy = Adatvédelem
regions = A képkockák feldolgozása csak itt történik:
nothing-stored = Semmit sem tárolunk.
policy = Szabályzat
any-region = bármely régió
price-on-request = ár érdeklődésre
ask = Engedélyezi a virtuális próbát?
decline = Most nem
allow = Engedélyezés
declined = A próba kikapcsolva marad: semmit sem küldtünk el. Bármikor újrakezdheti.
unreachable = A próbaszolgáltatás nem érhető el.
no-face = Ezen a képkockán nem található arc: nézzen a kamerába jó fényviszonyok mellett.
no-camera = Ez a böngésző itt nem fér hozzá a kamerához: töltsön fel helyette egy fotót.
camera-unavailable = A kamera nem érhető el: töltsön fel helyette egy fotót.
unreadable = Ez a fájl nem olyan fotó, amelyet ez az oldal be tud olvasni (JPEG, PNG vagy WebP).
upload-again = A termék felpróbálásához töltse fel újra a fotót.
share-title = Virtuális próbám

## Storefront page

store-title = Meridian demó webáruház
store-intro = Demó webáruház: minden képváltozatot egy regionális GPU-háttérrendszer készít, és az edge gyorsítótár szolgálja ki.
unavailable = Az Ön piacán nem kapható
unavailable-why = Miért?
store-free-shipping = Ezen a héten ingyenes a szállítás
store-recommended = Ajánlott
store-why-recommended = Miért:
store-presets = Formátumok
store-preset = Formátum
store-url = URL
store-format-square = 1080-as négyzet
store-format-story = Történet
store-credit = Fényképek: Ubuntu háttérképpályázat (Debian lomiri-wallpapers-16.04), CC BY / CC BY-SA / CC0. Források:
# $available: how many products the page offers in the shopper's market.
# Hungarian nouns stay singular after a number, so both forms read alike.
store-products =
    { COUNT($available) ->
        [one] { $available } termék kapható az Ön piacán
       *[other] { $available } termék kapható az Ön piacán
    }

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] bruttó árak
       *[exclusive] nettó árak
    } · szabályzat { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = Próbálja fel
widget-tryon-unavailable = Ehhez a termékhez nem érhető el virtuális próba.
widget-recommended = Önnek ajánljuk
widget-popular = Most népszerű

## Why a product is not offered (storefront and widget)

product-unknown = A termék nem található
product-unknown-detail = Ez a termék nem szerepel az áruház katalógusában.
blocked-embargoed = Kereskedelmi szankciók miatt ez a termék nem értékesíthető ott, ahol Ön tartózkodik.
blocked-territory-not-licensed = Ez a termék nem rendelkezik forgalmazási engedéllyel az Ön országában.
blocked-category-restricted = Az ilyen típusú termékek nem értékesíthetők az Ön országában.
blocked-age-gate = Ez a termék csak életkor-ellenőrzés után értékesíthető, ez azonban itt nem érhető el.
blocked-other = Ez a termék nem kínálható az Ön országában.
