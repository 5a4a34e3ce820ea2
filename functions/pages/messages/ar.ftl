## Try-on page

title = التجربة الافتراضية
storefront = المتجر
preview-alt = معاينة تجربتك
hint = اختر منتجًا، ثم شغّل الكاميرا أو حمّل صورة.
product = المنتج
everyone = ألبِس كل من في الصورة
start = تشغيل الكاميرا
stop = إيقاف
upload = تحميل صورة
still-heading = احتفظ بلقطة
take-still = التقاط لقطة
download = تنزيل
share = مشاركة
still-note = تبقى اللقطات على جهازك: لا يُحمَّل أي شيء للمشاركة.
privacy = خصوصيتك
regions = تُعالَج الصور فقط في:
nothing-stored = لا يُخزَّن أي شيء.
policy = السياسة
any-region = أي منطقة
price-on-request = السعر عند الطلب
ask = هل تسمح بالتجربة الافتراضية؟
decline = ليس الآن
allow = السماح
declined = تبقى التجربة متوقفة: لم يُرسَل أي شيء. يمكنك البدء من جديد في أي وقت.
unreachable = تعذّر الوصول إلى خدمة التجربة.
no-face = لم يُعثر على وجه في هذه الصورة: انظر إلى الكاميرا في إضاءة جيدة.
no-camera = لا يملك هذا المتصفح وصولًا إلى الكاميرا هنا: حمّل صورة بدلًا من ذلك.
camera-unavailable = الكاميرا غير متاحة: حمّل صورة بدلًا من ذلك.
unreadable = هذا الملف ليس صورة يمكن لهذه الصفحة قراءتها (JPEG أو PNG أو WebP).
upload-again = حمّل الصورة مرة أخرى لتجربة هذا المنتج.
share-title = تجربتي

## Storefront page

store-title = متجر Meridian التجريبي
store-intro = متجر تجريبي: كل صورة نسخة أنشأها خادم GPU إقليمي وتُقدَّم من ذاكرة التخزين المؤقت على الحافة.
unavailable = غير متاح في سوقك
unavailable-why = لماذا؟
store-free-shipping = شحن مجاني هذا الأسبوع
store-recommended = مقترحات لك
store-why-recommended = السبب:
store-presets = القوالب
store-preset = القالب
store-url = الرابط
store-format-square = مربع 1080
store-format-story = قصة
store-credit = الصور: مسابقة خلفيات Ubuntu (Debian lomiri-wallpapers-16.04)، CC BY / CC BY-SA / CC0. المصادر:
# $available: how many products the page offers in the shopper's market.
store-products =
    { COUNT($available) ->
        [zero] لا توجد منتجات متاحة في سوقك
        [one] منتج واحد متاح في سوقك
        [two] منتجان متاحان في سوقك
        [few] { $available } منتجات متاحة في سوقك
        [many] { $available } منتجًا متاحًا في سوقك
       *[other] { $available } منتج متاح في سوقك
    }

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] الأسعار شاملة الضريبة
       *[exclusive] الأسعار غير شاملة الضريبة
    } · السياسة { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = جرّبه
widget-tryon-unavailable = التجربة الافتراضية غير متاحة لهذا المنتج.
widget-recommended = مقترح لك
widget-popular = رائج الآن

## Why a product is not offered (storefront and widget)

product-unknown = المنتج غير موجود
product-unknown-detail = هذا المنتج ليس في كتالوج المتجر.
blocked-embargoed = لا تسمح العقوبات التجارية ببيع هذا المنتج في موقعك.
blocked-territory-not-licensed = هذا المنتج غير مرخّص للبيع في بلدك.
blocked-category-restricted = لا يجوز بيع منتجات من هذا النوع في بلدك.
blocked-age-gate = لا يُباع هذا المنتج إلا بعد التحقق من العمر، وهو غير متاح هنا.
blocked-other = لا يمكن عرض هذا المنتج في بلدك.
