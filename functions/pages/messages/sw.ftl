## Try-on page

title = Kujaribu mtandaoni
storefront = Duka
preview-alt = Onyesho la awali la jaribio lako
hint = Chagua bidhaa, kisha washa kamera yako au pakia picha.
product = Bidhaa
everyone = Wavalishe wote walio kwenye fremu
start = Washa kamera
stop = Simamisha
upload = Pakia picha
still-heading = Hifadhi picha tuli
take-still = Piga picha tuli
download = Pakua
share = Shiriki
still-note = Picha tuli zinabaki kwenye kifaa chako: hakuna kinachopakiwa ili kuzishiriki.
privacy = Faragha yako
regions = Fremu zinachakatwa tu katika:
nothing-stored = Hakuna kinachohifadhiwa.
policy = Sera
any-region = eneo lolote
price-on-request = uliza bei
ask = Ungependa kuruhusu kujaribu mtandaoni?
decline = Si sasa
allow = Ruhusu
declined = Kujaribu kumebaki kumezimwa: hakuna kilichotumwa. Unaweza kuanza upya wakati wowote.
unreachable = Huduma ya kujaribu haikuweza kufikiwa.
no-face = Hakuna uso uliopatikana kwenye fremu hii: tazama kamera mahali penye mwanga mzuri.
no-camera = Kivinjari hiki hakina ruhusa ya kutumia kamera hapa: pakia picha badala yake.
camera-unavailable = Kamera haipatikani: pakia picha badala yake.
unreadable = Faili hiyo si picha ambayo ukurasa huu unaweza kusoma (JPEG, PNG au WebP).
upload-again = Pakia picha tena ili kujaribu bidhaa hii.
share-title = Jaribio langu

## Storefront page

store-title = Duka la maonyesho la Meridian
store-intro = Duka la maonyesho: kila picha ni toleo lililotengenezwa na seva ya GPU ya kikanda na kutolewa kutoka kwenye akiba ya ukingoni (edge cache).
unavailable = Haipatikani katika soko lako
unavailable-why = Kwa nini?
store-free-shipping = Usafirishaji bila malipo wiki hii
store-recommended = Zinazopendekezwa
store-why-recommended = Kwa nini:
store-presets = Miundo
store-preset = Muundo
store-url = URL
store-format-square = Mraba 1080
store-format-story = Hadithi
store-credit = Picha: shindano la picha za mandhari za Ubuntu (Debian lomiri-wallpapers-16.04), CC BY / CC BY-SA / CC0. Vyanzo:
# $available: how many products the page offers in the shopper's market.
store-products =
    { COUNT($available) ->
        [one] Bidhaa { $available } inapatikana katika soko lako
       *[other] Bidhaa { $available } zinapatikana katika soko lako
    }

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] bei zinajumuisha kodi
       *[exclusive] bei hazijumuishi kodi
    } · sera { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = Ijaribu
widget-tryon-unavailable = Kujaribu mtandaoni hakupatikani kwa bidhaa hii.
widget-recommended = Tunakupendekezea
widget-popular = Maarufu sasa hivi

## Why a product is not offered (storefront and widget)

product-unknown = Bidhaa haikupatikana
product-unknown-detail = Bidhaa hii haipo kwenye katalogi ya duka.
blocked-embargoed = Vikwazo vya biashara haviruhusu bidhaa hii iuzwe mahali ulipo.
blocked-territory-not-licensed = Bidhaa hii haina leseni ya kuuzwa katika nchi yako.
blocked-category-restricted = Bidhaa za aina hii haziruhusiwi kuuzwa katika nchi yako.
blocked-age-gate = Bidhaa hii inaweza kuuzwa tu baada ya kuthibitisha umri, huduma ambayo haipatikani hapa.
blocked-other = Bidhaa hii haiwezi kutolewa katika nchi yako.
