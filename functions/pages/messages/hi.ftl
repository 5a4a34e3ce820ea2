## Try-on page

title = वर्चुअल ट्राई-ऑन
storefront = स्टोर
preview-alt = आपके ट्राई-ऑन का पूर्वावलोकन
hint = कोई उत्पाद चुनें, फिर अपना कैमरा चालू करें या फ़ोटो अपलोड करें।
product = उत्पाद
everyone = फ़्रेम में सभी को पहनाएँ
start = कैमरा चालू करें
stop = रोकें
upload = फ़ोटो अपलोड करें
still-heading = स्थिर चित्र रखें
take-still = स्थिर चित्र लें
download = डाउनलोड करें
share = साझा करें
still-note = स्थिर चित्र आपके डिवाइस पर ही रहते हैं: साझा करने के लिए कुछ भी अपलोड नहीं होता।
privacy = आपकी निजता
regions = चित्र केवल यहाँ प्रोसेस होते हैं:
nothing-stored = कुछ भी संग्रहीत नहीं किया जाता।
policy = नीति
any-region = कोई भी क्षेत्र
price-on-request = मूल्य अनुरोध पर
ask = वर्चुअल ट्राई-ऑन की अनुमति दें?
decline = अभी नहीं
allow = अनुमति दें
declined = ट्राई-ऑन बंद रहेगा: कुछ भी नहीं भेजा गया। आप कभी भी फिर से शुरू कर सकते हैं।
unreachable = ट्राई-ऑन सेवा से संपर्क नहीं हो सका।
no-face = इस फ़्रेम में कोई चेहरा नहीं मिला: अच्छी रोशनी में कैमरे की ओर देखें।
no-camera = इस ब्राउज़र को यहाँ कैमरे की पहुँच नहीं है: इसके बजाय फ़ोटो अपलोड करें।
camera-unavailable = कैमरा उपलब्ध नहीं है: इसके बजाय फ़ोटो अपलोड करें।
unreadable = यह फ़ाइल ऐसी फ़ोटो नहीं है जिसे यह पेज पढ़ सके (JPEG, PNG या WebP)।
upload-again = इस उत्पाद को आज़माने के लिए फ़ोटो फिर से अपलोड करें।
share-title = मेरा ट्राई-ऑन

## Storefront page

store-title = Meridian डेमो स्टोर
store-intro = डेमो स्टोर: हर छवि एक क्षेत्रीय GPU बैकएंड द्वारा बनाया गया संस्करण है, जिसे एज कैश से दिखाया जाता है।
unavailable = आपके बाज़ार में उपलब्ध नहीं
unavailable-why = क्यों?
store-free-shipping = इस सप्ताह मुफ़्त शिपिंग
store-recommended = आपके लिए सुझाव
store-why-recommended = क्यों:
store-presets = प्रारूप
store-preset = प्रारूप
store-url = URL
store-format-square = 1080 वर्ग
store-format-story = स्टोरी
store-credit = तस्वीरें: Ubuntu वॉलपेपर प्रतियोगिता (Debian lomiri-wallpapers-16.04), CC BY / CC BY-SA / CC0. स्रोत:
# $available: how many products the page offers in the shopper's market.
store-products =
    { COUNT($available) ->
        [one] आपके बाज़ार में { $available } उत्पाद उपलब्ध है
       *[other] आपके बाज़ार में { $available } उत्पाद उपलब्ध हैं
    }

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] कीमतों में कर शामिल है
       *[exclusive] कीमतों में कर शामिल नहीं है
    } · नीति { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = पहनकर देखें
widget-tryon-unavailable = इस उत्पाद के लिए वर्चुअल ट्राई-ऑन उपलब्ध नहीं है।
widget-recommended = आपके लिए सुझाए गए
widget-popular = अभी लोकप्रिय

## Why a product is not offered (storefront and widget)

product-unknown = उत्पाद नहीं मिला
product-unknown-detail = यह उत्पाद दुकान की सूची में नहीं है।
blocked-embargoed = व्यापार प्रतिबंधों के कारण यह उत्पाद आपके स्थान पर नहीं बेचा जा सकता।
blocked-territory-not-licensed = यह उत्पाद आपके देश में बिक्री के लिए लाइसेंसशुदा नहीं है।
blocked-category-restricted = इस प्रकार के उत्पाद आपके देश में नहीं बेचे जा सकते।
blocked-age-gate = यह उत्पाद केवल आयु सत्यापन के बाद बेचा जा सकता है, जो यहाँ उपलब्ध नहीं है।
blocked-other = यह उत्पाद आपके देश में पेश नहीं किया जा सकता।
