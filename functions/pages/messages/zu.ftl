## Try-on page

title = Ukuzama ngedijithali
storefront = Isitolo
preview-alt = Ukubuka kuqala kokuzama kwakho
hint = Khetha umkhiqizo, bese uvula ikhamera yakho noma ulayishe isithombe.
product = Umkhiqizo
everyone = Gqokisa bonke abasefreyimini
start = Vula ikhamera
stop = Misa
upload = Layisha isithombe
still-heading = Gcina isithombe esimile
take-still = Thatha isithombe esimile
download = Landa
share = Yabelana
still-note = Izithombe ezimile zihlala kudivayisi yakho: akukho okulayishwayo ukuze kwabelwane ngazo.
privacy = Ubumfihlo bakho
regions = Amafreyimu acutshungulwa kuphela kulezi zifunda:
nothing-stored = Akukho okugcinwayo.
policy = Inqubomgomo
any-region = noma isiphi isifunda
price-on-request = intengo ngesicelo
ask = Uyavumela ukuzama ngedijithali?
decline = Hhayi manje
allow = Vumela
declined = Ukuzama kuhlala kuvaliwe: akukho okuthunyelwe. Ungaqala futhi noma nini.
unreachable = Asikwazanga ukuxhumana nesevisi yokuzama.
no-face = Abukho ubuso obutholakele kule freyimu: bheka ikhamera endaweni ekhanya kahle.
no-camera = Lesi siphequluli asikwazi ukufinyelela kukhamera lapha: layisha isithombe esikhundleni salokho.
camera-unavailable = Ikhamera ayitholakali: layisha isithombe esikhundleni salokho.
unreadable = Lelo fayela akusona isithombe leli khasi elingasifunda (JPEG, PNG noma WebP).
upload-again = Layisha isithombe futhi ukuze uzame lo mkhiqizo.
share-title = Ukuzama kwami

## Storefront page

store-title = Isitolo sokubonisa se-Meridian
store-intro = Isitolo sokubonisa: sonke isithombe siyinguqulo eyenziwe yi-GPU backend yesifunda futhi sinikezwa kusuka ku-edge cache.
unavailable = Ayitholakali emakethe yakho
unavailable-why = Kungani?
store-free-shipping = Ukuthunyelwa mahhala kuleli sonto
store-recommended = Okunconyiwe
store-why-recommended = Kungani:
store-presets = Amafomethi
store-preset = Ifomethi
store-url = URL
store-format-square = Isikwele esingu-1080
store-format-story = Indaba
store-credit = Izithombe: umncintiswano wezithombe zangemuva ze-Ubuntu (Debian lomiri-wallpapers-16.04), CC BY / CC BY-SA / CC0. Imithombo:
# $available: how many products the page offers in the shopper's market.
store-products =
    { COUNT($available) ->
        [one] { $available } umkhiqizo otholakalayo emakethe yakho
       *[other] { $available } imikhiqizo etholakalayo emakethe yakho
    }

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] amanani afaka intela
       *[exclusive] amanani angafaki intela
    } · inqubomgomo { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = Zama
widget-tryon-unavailable = Ukuzama akutholakali kulo mkhiqizo.
widget-recommended = Okunconyelwe wena
widget-popular = Okudumile manje

## Why a product is not offered (storefront and widget)

product-unknown = Umkhiqizo awutholakalanga
product-unknown-detail = Lo mkhiqizo awukho kukhathalogi yesitolo.
blocked-embargoed = Unswinyo lwezohwebo aluvumeli ukuthi lo mkhiqizo udayiswe lapho ukhona.
blocked-territory-not-licensed = Lo mkhiqizo awunalo ilayisense yokudayiswa ezweni lakho.
blocked-category-restricted = Imikhiqizo yalolu hlobo ayivunyelwe ukudayiswa ezweni lakho.
blocked-age-gate = Lo mkhiqizo ungadayiswa kuphela ngemuva kokuhlolwa kweminyaka, okungatholakali lapha.
blocked-other = Lo mkhiqizo awukwazi ukunikezwa ezweni lakho.
