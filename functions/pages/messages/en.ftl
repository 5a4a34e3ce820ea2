## Try-on page

title = Virtual try-on
storefront = Storefront
preview-alt = Your try-on preview
hint = Choose a product, then start your camera or upload a photo.
product = Product
everyone = Dress everyone in the frame
start = Start camera
stop = Stop
upload = Upload a photo
still-heading = Keep a still
take-still = Take still
download = Download
share = Share
still-note = Stills stay on your device: nothing is uploaded for sharing.
privacy = Your privacy
regions = Frames are processed only in:
nothing-stored = Nothing is stored.
policy = Policy
any-region = any region
price-on-request = price on request
ask = Allow virtual try-on?
decline = Not now
allow = Allow
declined = Try-on stays off: nothing was sent. You can start again at any time.
unreachable = The try-on service could not be reached.
no-face = No face found in this frame: face the camera in good light.
no-camera = This browser has no camera access here: upload a photo instead.
camera-unavailable = The camera is not available: upload a photo instead.
unreadable = That file is not a photo this page can read (JPEG, PNG or WebP).
upload-again = Upload the photo again to try this product.
share-title = My try-on

## Storefront page

store-title = Meridian demo storefront
store-intro = Demo storefront: every image is a rendition made by a regional GPU backend and served from the edge cache.
unavailable = Not available in your market
unavailable-why = Why?
store-free-shipping = Free shipping this week
store-recommended = Recommended
store-why-recommended = Why:
store-presets = Presets
store-preset = Preset
store-url = URL
store-format-square = 1080 square
store-format-story = Story
store-credit = Photographs: Ubuntu wallpaper contest (Debian lomiri-wallpapers-16.04), CC BY / CC BY-SA / CC0. Sources:
# $available: how many products the page offers in the shopper's market.
store-products =
    { COUNT($available) ->
        [one] { $available } product available in your market
       *[other] { $available } products available in your market
    }

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] prices include tax
       *[exclusive] prices exclude tax
    } · policy { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = Try it on
widget-tryon-unavailable = Try-on is not offered for this product.
widget-recommended = Recommended for you
widget-popular = Popular right now

## Why a product is not offered (storefront and widget)

product-unknown = Product not found
product-unknown-detail = This product is not in the shop's catalogue.
blocked-embargoed = Trade sanctions do not allow this product to be sold where you are.
blocked-territory-not-licensed = This product is not licensed for sale in your country.
blocked-category-restricted = Products of this kind may not be sold in your country.
blocked-age-gate = This product may only be sold after an age check, which is not available here.
blocked-other = This product cannot be offered in your country.
