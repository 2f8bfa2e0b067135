#pragma once
// Core value types that travel in Qt signals (queued connections, QSignalSpy, QVariant). Declared
// once here so no two headers declare the same type.

#include "jobs/job_queue.h"
#include "metrics/deletion_insertion.h"

#include <QMetaType>

#include <opencv2/core.hpp>

Q_DECLARE_METATYPE(sg::JobStatus)
Q_DECLARE_METATYPE(sg::MetricCurve)
Q_DECLARE_METATYPE(cv::Mat)
