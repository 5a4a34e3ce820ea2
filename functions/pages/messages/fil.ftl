## Try-on page

title = Virtual na pagsukat
storefront = Tindahan
preview-alt = Preview ng iyong pagsukat
hint = Pumili ng produkto, pagkatapos ay i-on ang iyong camera o mag-upload ng larawan.
product = Produkto
everyone = Bihisan ang lahat ng nasa frame
start = I-on ang camera
stop = Ihinto
upload = Mag-upload ng larawan
still-heading = Mag-save ng still
take-still = Kumuha ng still
download = I-download
share = Ibahagi
still-note = Nananatili sa iyong device ang mga still: walang ina-upload para maibahagi ang mga ito.
privacy = Ang iyong privacy
regions = Sa mga lugar na ito lang pinoproseso ang mga frame:
nothing-stored = Walang sine-save.
policy = Patakaran
any-region = anumang rehiyon
price-on-request = magtanong para sa presyo
ask = Payagan ang virtual na pagsukat?
decline = Hindi muna
allow = Payagan
declined = Nananatiling naka-off ang pagsukat: walang naipadala. Puwede kang magsimulang muli anumang oras.
unreachable = Hindi maabot ang serbisyo ng pagsukat.
no-face = Walang nakitang mukha sa frame na ito: humarap sa camera sa lugar na maliwanag.
no-camera = Walang access sa camera ang browser na ito rito: mag-upload na lang ng larawan.
camera-unavailable = Hindi available ang camera: mag-upload na lang ng larawan.
unreadable = Hindi mabasa ng page na ito ang file na iyan bilang larawan (JPEG, PNG o WebP).
upload-again = I-upload ulit ang larawan para masukat ang produktong ito.
share-title = Ang aking pagsukat

## Storefront page

store-title = Demo na tindahan ng Meridian
store-intro = Demo na tindahan: bawat larawan ay bersiyong ginawa ng isang rehiyonal na GPU backend at inihahatid mula sa edge cache.
unavailable = Hindi available sa iyong merkado
unavailable-why = Bakit?
store-free-shipping = Libreng shipping ngayong linggo
store-recommended = Inirerekomenda
store-why-recommended = Bakit:
store-presets = Mga format
store-preset = Format
store-url = URL
store-format-square = 1080 parisukat
store-format-story = Story
store-credit = Mga larawan: patimpalak sa wallpaper ng Ubuntu (Debian lomiri-wallpapers-16.04), CC BY / CC BY-SA / CC0. Mga pinagmulan:
# $available: how many products the page offers in the shopper's market.
# Filipino nouns do not change with the number, so both forms read alike.
store-products =
    { COUNT($available) ->
        [one] May { $available } produktong mabibili sa iyong merkado
       *[other] May { $available } produktong mabibili sa iyong merkado
    }

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] kasama na ang buwis sa presyo
       *[exclusive] hindi kasama ang buwis sa presyo
    } · patakaran { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = Subukan
widget-tryon-unavailable = Walang virtual na pagsukat para sa produktong ito.
widget-recommended = Inirerekomenda para sa iyo
widget-popular = Patok ngayon

## Why a product is not offered (storefront and widget)

product-unknown = Hindi nakita ang produkto
product-unknown-detail = Wala ang produktong ito sa katalogo ng tindahan.
blocked-embargoed = Hindi pinapayagan ng mga parusang pangkalakalan na maibenta ang produktong ito kung nasaan ka.
blocked-territory-not-licensed = Walang lisensiya ang produktong ito para maibenta sa iyong bansa.
blocked-category-restricted = Hindi puwedeng ibenta sa iyong bansa ang ganitong uri ng produkto.
blocked-age-gate = Maibebenta lang ang produktong ito pagkatapos ma-verify ang edad, na hindi available dito.
blocked-other = Hindi maiaalok ang produktong ito sa iyong bansa.
