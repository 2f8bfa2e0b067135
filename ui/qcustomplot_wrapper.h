#pragma once
// The only way Sightglass includes QCustomPlot. Debian's qcustomplot.h (2.1) still uses the bare
// `signals`, `slots`, `emit` and `foreach` keywords, which QT_NO_KEYWORDS (on every target of
// ours, because torch headers clash with them) removes. Define them for the include only, then
// take them away again so no other header can come to rely on them.

#include <QtGlobal>

#pragma push_macro("signals")
#pragma push_macro("slots")
#pragma push_macro("emit")
#pragma push_macro("foreach")
#define signals Q_SIGNALS
#define slots Q_SLOTS
#define emit Q_EMIT
#define foreach Q_FOREACH

#include <qcustomplot.h>

#undef signals
#undef slots
#undef emit
#undef foreach
#pragma pop_macro("foreach")
#pragma pop_macro("emit")
#pragma pop_macro("slots")
#pragma pop_macro("signals")
