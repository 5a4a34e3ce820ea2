## Try-on page

title = מדידה וירטואלית
storefront = לחנות
preview-alt = תצוגה מקדימה של המדידה שלך
hint = יש לבחור מוצר, ואז להפעיל את המצלמה או להעלות תמונה.
product = מוצר
everyone = להלביש את כל מי שבתמונה
start = הפעלת המצלמה
stop = עצירה
upload = העלאת תמונה
still-heading = שמירת תמונה
take-still = צילום תמונה
download = הורדה
share = שיתוף
still-note = התמונות נשארות במכשיר שלך: שום דבר לא מועלה לצורך השיתוף.
privacy = הפרטיות שלך
regions = עיבוד התמונות מתבצע רק באזורים:
nothing-stored = שום דבר לא נשמר.
policy = מדיניות
any-region = כל אזור
price-on-request = מחיר לפי פנייה
ask = לאפשר מדידה וירטואלית?
decline = לא עכשיו
allow = אישור
declined = המדידה נשארת כבויה: שום דבר לא נשלח. אפשר להתחיל מחדש בכל עת.
unreachable = לא ניתן היה להתחבר לשירות המדידה.
no-face = לא נמצאו פנים בתמונה הזו: יש להביט אל המצלמה בתאורה טובה.
no-camera = לדפדפן הזה אין כאן גישה למצלמה: אפשר להעלות תמונה במקום.
camera-unavailable = המצלמה לא זמינה: אפשר להעלות תמונה במקום.
unreadable = הדף הזה לא יכול לקרוא את הקובץ כתמונה (JPEG, PNG או WebP).
upload-again = יש להעלות את התמונה שוב כדי למדוד את המוצר הזה.
share-title = המדידה שלי

## Storefront page

store-title = חנות ההדגמה של Meridian
store-intro = חנות הדגמה: כל תמונה היא גרסה שנוצרה בשרת GPU אזורי ומוגשת ממטמון הקצה.
unavailable = לא זמין בשוק שלך
unavailable-why = למה?
store-free-shipping = משלוח חינם השבוע
store-recommended = מומלצים
store-why-recommended = למה:
store-presets = פורמטים
store-preset = פורמט
store-url = כתובת URL
store-format-square = ריבוע 1080
store-format-story = סטורי
store-credit = צילומים: תחרות הרקעים של Ubuntu ‏(Debian lomiri-wallpapers-16.04), CC BY / CC BY-SA / CC0. מקורות:
# $available: how many products the page offers in the shopper's market.
store-products =
    { COUNT($available) ->
        [one] { $available } מוצר זמין בשוק שלך
        [two] שני מוצרים זמינים בשוק שלך
       *[other] { $available } מוצרים זמינים בשוק שלך
    }

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] המחירים כוללים מס
       *[exclusive] המחירים אינם כוללים מס
    } · מדיניות { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = למדידה
widget-tryon-unavailable = אין מדידה וירטואלית למוצר הזה.
widget-recommended = מומלץ בשבילך
widget-popular = פופולרי עכשיו

## Why a product is not offered (storefront and widget)

product-unknown = המוצר לא נמצא
product-unknown-detail = המוצר הזה אינו בקטלוג של החנות.
blocked-embargoed = סנקציות סחר אינן מאפשרות למכור את המוצר הזה במיקום שלך.
blocked-territory-not-licensed = למוצר הזה אין רישיון מכירה במדינה שלך.
blocked-category-restricted = אסור למכור מוצרים מסוג זה במדינה שלך.
blocked-age-gate = אפשר למכור את המוצר הזה רק אחרי אימות גיל, ואימות כזה אינו זמין כאן.
blocked-other = לא ניתן להציע את המוצר הזה במדינה שלך.
