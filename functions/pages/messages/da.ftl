## Try-on page

title = Virtuel prøvning
storefront = Butik
preview-alt = Forhåndsvisning af din prøvning
hint = Vælg et produkt, og start derefter dit kamera, eller upload et foto.
product = Produkt
everyone = Klæd alle i billedet på
start = Start kamera
stop = Stop
upload = Upload et foto
still-heading = Gem et stillbillede
take-still = Tag stillbillede
download = Download
share = Del
still-note = Stillbilleder bliver på din enhed: Intet uploades, når du deler.
privacy = Dit privatliv
regions = Billeder behandles kun i:
nothing-stored = Intet gemmes.
policy = Politik
any-region = enhver region
price-on-request = pris efter aftale
ask = Vil du tillade virtuel prøvning?
decline = Ikke nu
allow = Tillad
declined = Prøvningen forbliver slået fra: Intet blev sendt. Du kan starte igen når som helst.
unreachable = Prøvningstjenesten kunne ikke nås.
no-face = Der blev ikke fundet noget ansigt i billedet: Kig ind i kameraet i godt lys.
no-camera = Denne browser har ikke adgang til kameraet her: Upload et foto i stedet.
camera-unavailable = Kameraet er ikke tilgængeligt: Upload et foto i stedet.
unreadable = Filen er ikke et foto, som denne side kan læse (JPEG, PNG eller WebP).
upload-again = Upload fotoet igen for at prøve dette produkt.
share-title = Min prøvning

## Storefront page

store-title = Meridians demobutik
store-intro = Demobutik: Hvert billede er en version, som en regional GPU-backend har lavet, og som leveres fra edge-cachen.
unavailable = Ikke tilgængelig på dit marked
unavailable-why = Hvorfor?
store-free-shipping = Gratis fragt i denne uge
store-recommended = Anbefalet
store-why-recommended = Hvorfor:
store-presets = Formater
store-preset = Format
store-url = URL
store-format-square = 1080 kvadrat
store-format-story = Story
store-credit = Fotos: Ubuntus baggrundsbilledkonkurrence (Debian lomiri-wallpapers-16.04), CC BY / CC BY-SA / CC0. Kilder:
# $available: how many products the page offers in the shopper's market.
store-products =
    { COUNT($available) ->
        [one] { $available } produkt tilgængeligt på dit marked
       *[other] { $available } produkter tilgængelige på dit marked
    }

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] priser inkl. moms
       *[exclusive] priser ekskl. moms
    } · politik { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = Prøv den
widget-tryon-unavailable = Virtuel prøvning tilbydes ikke for dette produkt.
widget-recommended = Anbefalet til dig
widget-popular = Populært lige nu

## Why a product is not offered (storefront and widget)

product-unknown = Produktet blev ikke fundet
product-unknown-detail = Dette produkt findes ikke i butikkens katalog.
blocked-embargoed = Handelssanktioner tillader ikke, at dette produkt sælges, hvor du befinder dig.
blocked-territory-not-licensed = Dette produkt har ikke licens til salg i dit land.
blocked-category-restricted = Produkter af denne type må ikke sælges i dit land.
blocked-age-gate = Dette produkt må kun sælges efter en alderskontrol, som ikke er tilgængelig her.
blocked-other = Dette produkt kan ikke tilbydes i dit land.
