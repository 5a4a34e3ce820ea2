## Try-on page

title = Probă virtuală
storefront = Magazin
preview-alt = Previzualizarea probei dumneavoastră
hint = Alegeți un produs, apoi porniți camera sau încărcați o fotografie.
product = Produs
everyone = Îmbrăcați toate persoanele din cadru
start = Porniți camera
stop = Opriți
upload = Încărcați o fotografie
still-heading = Păstrați un cadru
take-still = Capturați cadrul
download = Descărcați
share = Distribuiți
still-note = Cadrele rămân pe dispozitivul dumneavoastră: nu se încarcă nimic pentru distribuire.
privacy = Confidențialitatea dumneavoastră
regions = Cadrele sunt procesate doar în:
nothing-stored = Nu se stochează nimic.
policy = Politică
any-region = orice regiune
price-on-request = preț la cerere
ask = Permiteți proba virtuală?
decline = Nu acum
allow = Permiteți
declined = Proba rămâne dezactivată: nu s-a trimis nimic. Puteți reîncepe oricând.
unreachable = Serviciul de probă nu a putut fi contactat.
no-face = Nu a fost găsită nicio față în acest cadru: priviți spre cameră, într-un loc bine luminat.
no-camera = Acest browser nu are acces la cameră aici: încărcați în schimb o fotografie.
camera-unavailable = Camera nu este disponibilă: încărcați în schimb o fotografie.
unreadable = Acest fișier nu este o fotografie pe care această pagină o poate citi (JPEG, PNG sau WebP).
upload-again = Încărcați din nou fotografia pentru a proba acest produs.
share-title = Proba mea

## Storefront page

store-title = Magazinul demo Meridian
store-intro = Magazin demo: fiecare imagine este o variantă generată de un backend GPU regional și livrată din memoria cache edge.
unavailable = Indisponibil pe piața dumneavoastră
unavailable-why = De ce?
store-free-shipping = Livrare gratuită săptămâna aceasta
store-recommended = Recomandate
store-why-recommended = De ce:
store-presets = Formate
store-preset = Format
store-url = URL
store-format-square = Pătrat 1080
store-format-story = Story
store-credit = Fotografii: concursul de imagini de fundal Ubuntu (Debian lomiri-wallpapers-16.04), CC BY / CC BY-SA / CC0. Surse:
# $available: how many products the page offers in the shopper's market.
store-products =
    { COUNT($available) ->
        [one] { $available } produs disponibil pe piața dumneavoastră
        [few] { $available } produse disponibile pe piața dumneavoastră
       *[other] { $available } de produse disponibile pe piața dumneavoastră
    }

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] prețuri cu taxe incluse
       *[exclusive] prețuri fără taxe
    } · politica { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = Probați
widget-tryon-unavailable = Proba virtuală nu este disponibilă pentru acest produs.
widget-recommended = Recomandate pentru dumneavoastră
widget-popular = Populare acum

## Why a product is not offered (storefront and widget)

product-unknown = Produsul nu a fost găsit
product-unknown-detail = Acest produs nu se află în catalogul magazinului.
blocked-embargoed = Sancțiunile comerciale nu permit vânzarea acestui produs acolo unde vă aflați.
blocked-territory-not-licensed = Acest produs nu are licență de vânzare în țara dumneavoastră.
blocked-category-restricted = Produsele de acest tip nu pot fi vândute în țara dumneavoastră.
blocked-age-gate = Acest produs poate fi vândut doar după o verificare a vârstei, care nu este disponibilă aici.
blocked-other = Acest produs nu poate fi oferit în țara dumneavoastră.
