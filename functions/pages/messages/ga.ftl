## Try-on page

title = Triail fhíorúil
storefront = Siopa
preview-alt = Réamhamharc ar do thriail
hint = Roghnaigh táirge, ansin cuir do cheamara ar siúl nó uaslódáil grianghraf.
product = Táirge
everyone = Gléas gach duine sa fhráma
start = Cuir an ceamara ar siúl
stop = Stop
upload = Uaslódáil grianghraf
still-heading = Coinnigh pictiúr
take-still = Tóg pictiúr
download = Íoslódáil
share = Comhroinn
still-note = Fanann na pictiúir ar do ghléas: ní uaslódáiltear aon rud le comhroinnt.
privacy = Do phríobháideachas
regions = Ní phróiseáiltear frámaí ach i:
nothing-stored = Ní stóráiltear aon rud.
policy = Beartas
any-region = aon réigiún
price-on-request = praghas ar iarratas
ask = An gceadaíonn tú an triail fhíorúil?
decline = Ní anois
allow = Ceadaigh
declined = Fanann an triail múchta: níor seoladh aon rud. Is féidir leat tosú arís am ar bith.
unreachable = Níorbh fhéidir teacht ar an tseirbhís trialach.
no-face = Níor aimsíodh aghaidh sa fhráma seo: féach ar an gceamara i solas maith.
no-camera = Níl rochtain ceamara ag an mbrabhsálaí seo anseo: uaslódáil grianghraf ina ionad.
camera-unavailable = Níl an ceamara ar fáil: uaslódáil grianghraf ina ionad.
unreadable = Ní grianghraf é an comhad sin is féidir leis an leathanach seo a léamh (JPEG, PNG nó WebP).
upload-again = Uaslódáil an grianghraf arís chun an táirge seo a thriail.
share-title = Mo thriail

## Storefront page

store-title = Siopa taispeána Meridian
store-intro = Siopa taispeána: is leagan é gach íomhá a rinne inneall GPU réigiúnach agus a sheoltar ón taisce imeall.
unavailable = Níl sé ar fáil i do mhargadh
unavailable-why = Cén fáth?
store-free-shipping = Seachadadh saor in aisce an tseachtain seo
store-recommended = Molta
store-why-recommended = Cén fáth:
store-presets = Formáidí
store-preset = Formáid
store-url = URL
store-format-square = Cearnóg 1080
store-format-story = Scéal
store-credit = Grianghraif: comórtas cúlbhrat Ubuntu (Debian lomiri-wallpapers-16.04), CC BY / CC BY-SA / CC0. Foinsí:
# $available: how many products the page offers in the shopper's market.
store-products =
    { COUNT($available) ->
        [one] { $available } táirge ar fáil i do mhargadh
        [two] { $available } tháirge ar fáil i do mhargadh
        [few] { $available } tháirge ar fáil i do mhargadh
        [many] { $available } dtáirge ar fáil i do mhargadh
       *[other] { $available } táirge ar fáil i do mhargadh
    }

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] praghsanna lena n-áirítear cáin
       *[exclusive] praghsanna gan cháin
    } · beartas { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = Triail é
widget-tryon-unavailable = Níl triail fhíorúil ar fáil don táirge seo.
widget-recommended = Molta duitse
widget-popular = Móréilimh anois

## Why a product is not offered (storefront and widget)

product-unknown = Níor aimsíodh an táirge
product-unknown-detail = Níl an táirge seo i gcatalóg an tsiopa.
blocked-embargoed = Ní cheadaíonn smachtbhannaí trádála an táirge seo a dhíol san áit ina bhfuil tú.
blocked-territory-not-licensed = Níl ceadúnas ag an táirge seo le díol i do thír.
blocked-category-restricted = Ní cheadaítear táirgí den chineál seo a dhíol i do thír.
blocked-age-gate = Ní féidir an táirge seo a dhíol ach tar éis seiceáil aoise, agus níl sin ar fáil anseo.
blocked-other = Ní féidir an táirge seo a thairiscint i do thír.
