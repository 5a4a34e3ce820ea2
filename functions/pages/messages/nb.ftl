## Try-on page

title = Virtuell prøving
storefront = Butikk
preview-alt = Forhåndsvisning av prøvingen din
hint = Velg et produkt, og start deretter kameraet eller last opp et bilde.
product = Produkt
everyone = Kle alle i bildet
start = Start kameraet
stop = Stopp
upload = Last opp et bilde
still-heading = Behold et stillbilde
take-still = Ta stillbilde
download = Last ned
share = Del
still-note = Stillbilder blir på enheten din: ingenting lastes opp for deling.
privacy = Ditt personvern
regions = Bilder behandles bare i:
nothing-stored = Ingenting lagres.
policy = Retningslinjer
any-region = hvilken som helst region
price-on-request = pris på forespørsel
ask = Tillate virtuell prøving?
decline = Ikke nå
allow = Tillat
declined = Prøvingen forblir av: ingenting ble sendt. Du kan starte på nytt når som helst.
unreachable = Prøvingstjenesten kunne ikke nås.
no-face = Fant ikke noe ansikt i bildet: se mot kameraet i godt lys.
no-camera = Denne nettleseren har ikke kameratilgang her: last opp et bilde i stedet.
camera-unavailable = Kameraet er ikke tilgjengelig: last opp et bilde i stedet.
unreadable = Filen er ikke et bilde denne siden kan lese (JPEG, PNG eller WebP).
upload-again = Last opp bildet på nytt for å prøve dette produktet.
share-title = Min prøving

## Storefront page

store-title = Meridians demobutikk
store-intro = Demobutikk: hvert bilde er en versjon som en regional GPU-backend lager, levert fra edge-hurtigbufferen.
unavailable = Ikke tilgjengelig i ditt marked
unavailable-why = Hvorfor?
store-free-shipping = Gratis frakt denne uken
store-recommended = Anbefalt
store-why-recommended = Hvorfor:
store-presets = Formater
store-preset = Format
store-url = URL
store-format-square = 1080 kvadrat
store-format-story = Story
store-credit = Foto: Ubuntus bakgrunnskonkurranse (Debian lomiri-wallpapers-16.04), CC BY / CC BY-SA / CC0. Kilder:
# $available: how many products the page offers in the shopper's market.
store-products =
    { COUNT($available) ->
        [one] { $available } produkt tilgjengelig i ditt marked
       *[other] { $available } produkter tilgjengelig i ditt marked
    }

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] priser inkl. mva.
       *[exclusive] priser ekskl. mva.
    } · retningslinjer { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = Prøv den
widget-tryon-unavailable = Virtuell prøving tilbys ikke for dette produktet.
widget-recommended = Anbefalt for deg
widget-popular = Populært akkurat nå

## Why a product is not offered (storefront and widget)

product-unknown = Fant ikke produktet
product-unknown-detail = Dette produktet finnes ikke i butikkens katalog.
blocked-embargoed = Handelssanksjoner tillater ikke salg av dette produktet der du er.
blocked-territory-not-licensed = Dette produktet er ikke lisensiert for salg i ditt land.
blocked-category-restricted = Produkter av denne typen kan ikke selges i ditt land.
blocked-age-gate = Dette produktet kan bare selges etter en alderskontroll, som ikke er tilgjengelig her.
blocked-other = Dette produktet kan ikke tilbys i ditt land.
