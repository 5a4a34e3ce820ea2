## Try-on page

title = Εικονική δοκιμή
storefront = Κατάστημα
preview-alt = Προεπισκόπηση της δοκιμής σας
hint = Επιλέξτε ένα προϊόν και, στη συνέχεια, ενεργοποιήστε την κάμερα ή ανεβάστε μια φωτογραφία.
product = Προϊόν
everyone = Ντύστε όλους όσοι είναι στο κάδρο
start = Έναρξη κάμερας
stop = Διακοπή
upload = Ανέβασμα φωτογραφίας
still-heading = Κρατήστε ένα στιγμιότυπο
take-still = Τραβήξτε στιγμιότυπο
download = Λήψη
share = Κοινοποίηση
still-note = Τα στιγμιότυπα μένουν στη συσκευή σας: δεν ανεβαίνει τίποτα για την κοινοποίηση.
privacy = Το απόρρητό σας
regions = Τα καρέ υποβάλλονται σε επεξεργασία μόνο σε:
nothing-stored = Δεν αποθηκεύεται τίποτα.
policy = Πολιτική
any-region = οποιαδήποτε περιοχή
price-on-request = τιμή κατόπιν επικοινωνίας
ask = Να επιτραπεί η εικονική δοκιμή;
decline = Όχι τώρα
allow = Να επιτρέπεται
declined = Η δοκιμή παραμένει απενεργοποιημένη: δεν στάλθηκε τίποτα. Μπορείτε να ξεκινήσετε ξανά οποιαδήποτε στιγμή.
unreachable = Δεν ήταν δυνατή η σύνδεση με την υπηρεσία δοκιμής.
no-face = Δεν βρέθηκε πρόσωπο σε αυτό το καρέ: κοιτάξτε την κάμερα σε σημείο με καλό φωτισμό.
no-camera = Αυτό το πρόγραμμα περιήγησης δεν έχει πρόσβαση στην κάμερα εδώ: ανεβάστε καλύτερα μια φωτογραφία.
camera-unavailable = Η κάμερα δεν είναι διαθέσιμη: ανεβάστε καλύτερα μια φωτογραφία.
unreadable = Αυτό το αρχείο δεν είναι φωτογραφία που μπορεί να διαβάσει αυτή η σελίδα (JPEG, PNG ή WebP).
upload-again = Ανεβάστε ξανά τη φωτογραφία για να δοκιμάσετε αυτό το προϊόν.
share-title = Η δοκιμή μου

## Storefront page

store-title = Κατάστημα επίδειξης Meridian
store-intro = Κατάστημα επίδειξης: κάθε εικόνα είναι μια εκδοχή που δημιουργήθηκε από ένα περιφερειακό backend GPU και σερβίρεται από την κρυφή μνήμη edge.
unavailable = Δεν διατίθεται στην αγορά σας
unavailable-why = Γιατί;
store-free-shipping = Δωρεάν αποστολή αυτή την εβδομάδα
store-recommended = Προτεινόμενα
store-why-recommended = Γιατί:
store-presets = Μορφές
store-preset = Μορφή
store-url = URL
store-format-square = Τετράγωνο 1080
store-format-story = Story
store-credit = Φωτογραφίες: διαγωνισμός ταπετσαριών Ubuntu (Debian lomiri-wallpapers-16.04), CC BY / CC BY-SA / CC0. Πηγές:
# $available: how many products the page offers in the shopper's market.
store-products =
    { COUNT($available) ->
        [one] { $available } προϊόν διαθέσιμο στην αγορά σας
       *[other] { $available } προϊόντα διαθέσιμα στην αγορά σας
    }

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] τιμές με φόρους
       *[exclusive] τιμές χωρίς φόρους
    } · πολιτική { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = Δοκιμάστε το
widget-tryon-unavailable = Η εικονική δοκιμή δεν προσφέρεται για αυτό το προϊόν.
widget-recommended = Προτάσεις για εσάς
widget-popular = Δημοφιλή τώρα

## Why a product is not offered (storefront and widget)

product-unknown = Το προϊόν δεν βρέθηκε
product-unknown-detail = Αυτό το προϊόν δεν υπάρχει στον κατάλογο του καταστήματος.
blocked-embargoed = Οι εμπορικές κυρώσεις δεν επιτρέπουν την πώληση αυτού του προϊόντος εκεί όπου βρίσκεστε.
blocked-territory-not-licensed = Αυτό το προϊόν δεν έχει άδεια πώλησης στη χώρα σας.
blocked-category-restricted = Προϊόντα αυτού του είδους δεν επιτρέπεται να πωλούνται στη χώρα σας.
blocked-age-gate = Αυτό το προϊόν μπορεί να πωληθεί μόνο μετά από επαλήθευση ηλικίας, η οποία δεν είναι διαθέσιμη εδώ.
blocked-other = Αυτό το προϊόν δεν μπορεί να προσφερθεί στη χώρα σας.
