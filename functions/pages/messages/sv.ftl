## Try-on page

title = Virtuell provning
storefront = Butik
preview-alt = Förhandsvisning av din provning
hint = Välj en produkt och starta sedan kameran eller ladda upp ett foto.
product = Produkt
everyone = Klä alla i bilden
start = Starta kameran
stop = Stoppa
upload = Ladda upp ett foto
still-heading = Spara en bild
take-still = Ta en bild
download = Ladda ned
share = Dela
still-note = Bilderna stannar på din enhet: inget laddas upp för att delas.
privacy = Din integritet
regions = Bilder behandlas endast i:
nothing-stored = Inget sparas.
policy = Policy
any-region = valfri region
price-on-request = pris på begäran
ask = Tillåta virtuell provning?
decline = Inte nu
allow = Tillåt
declined = Provningen förblir avstängd: inget har skickats. Du kan börja om när som helst.
unreachable = Det gick inte att nå provningstjänsten.
no-face = Inget ansikte hittades i bilden: titta in i kameran i bra ljus.
no-camera = Den här webbläsaren har ingen kameraåtkomst här: ladda upp ett foto i stället.
camera-unavailable = Kameran är inte tillgänglig: ladda upp ett foto i stället.
unreadable = Filen är inte ett foto som sidan kan läsa (JPEG, PNG eller WebP).
upload-again = Ladda upp fotot igen för att prova den här produkten.
share-title = Min provning

## Storefront page

store-title = Meridians demobutik
store-intro = Demobutik: varje bild är en version som en regional GPU-backend skapar och som levereras från edge-cachen.
unavailable = Inte tillgänglig på din marknad
unavailable-why = Varför?
store-free-shipping = Fri frakt den här veckan
store-recommended = Rekommenderas
store-why-recommended = Varför:
store-presets = Format
store-preset = Format
store-url = URL
store-format-square = 1080 kvadrat
store-format-story = Story
store-credit = Foton: Ubuntus tapettävling (Debian lomiri-wallpapers-16.04), CC BY / CC BY-SA / CC0. Källor:
# $available: how many products the page offers in the shopper's market.
store-products =
    { COUNT($available) ->
        [one] { $available } produkt tillgänglig på din marknad
       *[other] { $available } produkter tillgängliga på din marknad
    }

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] priser inkl. moms
       *[exclusive] priser exkl. moms
    } · policy { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = Prova
widget-tryon-unavailable = Virtuell provning erbjuds inte för den här produkten.
widget-recommended = Rekommenderat för dig
widget-popular = Populärt just nu

## Why a product is not offered (storefront and widget)

product-unknown = Produkten hittades inte
product-unknown-detail = Den här produkten finns inte i butikens katalog.
blocked-embargoed = Handelssanktioner tillåter inte att den här produkten säljs där du befinner dig.
blocked-territory-not-licensed = Den här produkten är inte licensierad för försäljning i ditt land.
blocked-category-restricted = Produkter av det här slaget får inte säljas i ditt land.
blocked-age-gate = Den här produkten får bara säljas efter en ålderskontroll, som inte finns här.
blocked-other = Den här produkten kan inte erbjudas i ditt land.
